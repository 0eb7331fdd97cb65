/*
 * test_pool.c - the memory pool and the growable buffer.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pxt/buf.h"
#include "pxt/pool.h"
#include "pxt_test.h"

static char order[8];
static int norder;

static void
record(void *data)
{
	order[norder++] = *(char *)data;
}

int
main(void)
{
	pxt_pool *p = pxt_pool_new(256);
	static char a = 'a', b = 'b';
	pxt_buf buf = PXT_BUF_INIT;
	char *s, *big;

	PXT_CHECK(p != NULL);
	for (int i = 0; i < 1000; i++) {
		void *m = pxt_palloc(p, (size_t)(i % 37) + 1);

		PXT_CHECK(m != NULL && ((uintptr_t)m % 16) == 0);
	}
	s = pxt_psprintf(p, "%s-%d", "row", 42);
	PXT_CHECK_STR(s, "row-42");
	PXT_CHECK_STR(pxt_pstrndup(p, "abcdef", 3), "abc");
	PXT_CHECK(pxt_pstrdup(p, NULL) == NULL);
	big = pxt_palloc(p, 100000);	/* larger than a block: its own block */
	PXT_CHECK(big != NULL);
	memset(big, 'x', 100000);
	PXT_CHECK(pxt_pool_used(p) >= 100000);
	PXT_CHECK_INT(pxt_pool_cleanup(p, record, &a), 0);
	PXT_CHECK_INT(pxt_pool_cleanup(p, record, &b), 0);
	pxt_pool_reset(p);
	PXT_CHECK_INT(norder, 2);
	PXT_CHECK(order[0] == 'b' && order[1] == 'a');	/* last registered first */
	PXT_CHECK_INT(pxt_pool_used(p), 0);
	PXT_CHECK(pxt_pcalloc(p, 64) != NULL);
	pxt_pool_cleanup(p, record, &a);
	pxt_pool_free(p);
	PXT_CHECK_INT(norder, 3);

	PXT_CHECK_STR(pxt_buf_str(&buf), "");
	for (int i = 0; i < 1000; i++)
		pxt_buf_addf(&buf, "%d,", i);
	PXT_CHECK(buf.len > 3000 && !buf.failed);
	PXT_CHECK(strncmp(buf.data, "0,1,2,", 6) == 0);
	pxt_buf_reset(&buf);
	pxt_buf_add(&buf, "a\0b", 3);
	PXT_CHECK_INT(buf.len, 3);
	s = pxt_buf_steal(&buf);
	PXT_CHECK(s != NULL && s[2] == 'b');
	free(s);
	PXT_CHECK(buf.data == NULL);
	pxt_buf_free(&buf);
	return pxt_test_done();
}
