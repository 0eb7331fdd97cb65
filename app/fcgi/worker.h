/*
 * worker.h - the FastCGI worker's pieces: router loading and the request loop.
 */
#ifndef PXT_WORKER_H
#define PXT_WORKER_H

#include "pxt/app.h"

/*
 * pxt_load_routers loads the router modules the configuration names ([server] routers,
 * else every .so in [server] routers_dir, in name order), checks their ABI and runs
 * their init. Any failure names the file and stops start-up: returns the error.
 */
pxt_err pxt_load_routers(pxt_app *app, const pxt_config *cfg);

/* pxt_unload_routers closes the modules (after pxt_app_free ran their fini). */
void pxt_unload_routers(void);

#endif
