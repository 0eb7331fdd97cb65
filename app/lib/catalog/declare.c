/*
 * declare.c - the first-error latch of schema programs (pxt_keep_first_error): every
 * public schema call passes through pxt_decl_enter and pxt_decl_leave, which keep the
 * first failure with the declaration it came from and skip the calls after it, so a
 * setup program is a flat list of declarations with one check at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_int.h"

#define PXT_DECL_WHAT_MAX 512

void
pxt_keep_first_error(pxt_env *env, bool on)
{
	if (env == NULL)
		return;
	env->keep_first = on;
	env->first_err = PXT_OK;
	env->first_msg = NULL;
}

pxt_err
pxt_env_error(const pxt_env *env)
{
	if (env == NULL || env->first_err == PXT_OK)
		return PXT_OK;
	return pxt_seterr(env->first_err, "%s", env->first_msg ? env->first_msg :
	    pxt_strerror(env->first_err));
}

bool
pxt_decl_enter(pxt_env *env, pxt_err *rc)
{
	*rc = PXT_OK;
	if (env == NULL || env->decl_depth++ > 0)
		return true;	/* a call made by another one is not a declaration */
	if (!env->keep_first || env->first_err == PXT_OK)
		return true;
	env->decl_depth--;
	*rc = pxt_env_error(env);
	return false;
}

bool
pxt_decl_enter_table(const pxt_table *t, pxt_err *rc)
{
	if (t != NULL)
		return pxt_decl_enter(t->env, rc);
	/* no env to keep it in: the call that returned NULL kept its own failure */
	*rc = pxt_seterr(PXT_ENOTFOUND, "no table: the handle is NULL (the call that "
	    "should have returned it failed)");
	return false;
}

/* Whether msg names every quoted item of what ("'summary'", "'app/docs'") already. */
static bool
pxt_decl_named(const char *what, const char *msg)
{
	const char *q = what, *end;
	char item[PXT_DECL_WHAT_MAX];

	while ((q = strchr(q, '\'')) != NULL && (end = strchr(q + 1, '\'')) != NULL) {
		snprintf(item, sizeof(item), "%.*s", (int)(end - q + 1), q);
		if (strstr(msg, item) == NULL)
			return false;
		q = end + 1;
	}
	return true;
}

pxt_err
pxt_decl_leave(pxt_env *env, pxt_err rc, const char *fmt, ...)
{
	char what[PXT_DECL_WHAT_MAX];
	va_list ap;

	if (env == NULL || --env->decl_depth > 0 || rc == PXT_OK || !env->keep_first ||
	    env->first_err != PXT_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	env->first_err = rc;
	if (*pxt_errmsg() == '\0')
		env->first_msg = pxt_psprintf(env->pool, "%s: %s", what, pxt_strerror(rc));
	else if (pxt_decl_named(what, pxt_errmsg()))
		env->first_msg = pxt_pstrdup(env->pool, pxt_errmsg());
	else
		env->first_msg = pxt_psprintf(env->pool, "%s: %s", what, pxt_errmsg());
	return pxt_env_error(env);
}

pxt_err
pxt_decl_rc(const void *handle)
{
	if (handle != NULL)
		return PXT_OK;
	return pxt_errcode() != PXT_OK ? pxt_errcode() : PXT_ENOMEM;
}
