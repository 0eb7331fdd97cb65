/*
 * idem.c - the Idempotency-Key header of table routes and background jobs: a key is
 * claimed for its route inside the request's transaction, and the answer is stored
 * under it, so a request sent again with the same key (within a day) gets the first
 * answer back, marked Idempotent-Replayed, instead of writing twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

#define PXT_IDEMPOTENCY_KEY_MAX 255

/*
 * Claim key for this route in the open transaction. *replayed is true when an earlier
 * request with the same key (within a day) already answered: its response is copied.
 */
pxt_err
pxt_idem_claim(pxt_req *req, pxt_db *db, const char *key, bool *replayed)
{
	const char *params[2] = {pxt_req_path(req), key};
	PGresult *res;
	pxt_err rc;

	*replayed = false;
	for (const char *c = key; *c; c++)
		if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
			return pxt_req_fail(req, PXT_EINVAL, "Idempotency-Key", "the "
			    "Idempotency-Key header must be printable ASCII without spaces");
	if (*key == '\0' || strlen(key) > PXT_IDEMPOTENCY_KEY_MAX)
		return pxt_req_fail(req, PXT_EINVAL, "Idempotency-Key", "the "
		    "Idempotency-Key header must have 1 to %d characters",
		    PXT_IDEMPOTENCY_KEY_MAX);
	rc = pxt_db_exec(db, "DELETE FROM pxt_catalog.idempotency WHERE route = $1 AND"
	    " key = $2 AND created_at < now() - interval '1 day'", 2, params, NULL);
	/* waits for a concurrent request with the same key to commit or roll back */
	if (rc == PXT_OK)
		rc = pxt_db_exec(db, "INSERT INTO pxt_catalog.idempotency (route, key)"
		    " VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, params, &res);
	if (rc != PXT_OK)
		return rc;
	*replayed = strcmp(PQcmdTuples(res), "0") == 0;
	PQclear(res);
	if (!*replayed)
		return PXT_OK;
	rc = pxt_db_exec(db, "SELECT status, body FROM pxt_catalog.idempotency"
	    " WHERE route = $1 AND key = $2", 2, params, &res);
	if (rc != PXT_OK)
		return rc;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 1)) {
		pxt_res_json(req, atoi(PQgetvalue(res, 0, 0)));
		pxt_buf_adds(pxt_res_body(req), PQgetvalue(res, 0, 1));
		pxt_res_header(req, "Idempotent-Replayed", "true");
	}
	PQclear(res);
	return PXT_OK;
}

/* Store the response under the claimed key and commit. */
pxt_err
pxt_idem_finish(pxt_req *req, pxt_db *db, const char *key)
{
	char status[16];
	const char *params[4] = {pxt_req_path(req), key, pxt_buf_str(pxt_res_body(req)),
	    status};
	pxt_err rc;

	snprintf(status, sizeof(status), "%d", pxt_res_get_status(req));
	rc = pxt_db_exec(db, "UPDATE pxt_catalog.idempotency SET status = $4::integer,"
	    " body = $3 WHERE route = $1 AND key = $2", 4, params, NULL);
	if (rc == PXT_OK)
		rc = pxt_db_commit(db);
	return rc;
}
