/*
 * pxt/pxt.h - everything a schema program or a router includes.
 */
#ifndef PXT_PXT_H
#define PXT_PXT_H

#include "pxt/buf.h"
#include "pxt/catalog.h"
#include "pxt/compute.h"
#include "pxt/config.h"
#include "pxt/db.h"
#include "pxt/embedded.h"
#include "pxt/expr.h"
#include "pxt/error.h"
#include "pxt/ident.h"
#include "pxt/log.h"
#include "pxt/media.h"
#include "pxt/pool.h"
#include "pxt/search.h"
#include "pxt/types.h"

#define PXT_VERSION_MAJOR 0
#define PXT_VERSION_MINOR 1

#endif
