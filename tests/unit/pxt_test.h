/*
 * pxt_test.h - the small assertion kit of pxtc's unit tests.
 *
 * A test program calls PXT_CHECK* as often as it likes and ends main with
 * `return pxt_test_done();`, which prints "N passed, N failed" and returns non-zero
 * when anything failed, or when no check ran at all (a test that checked nothing
 * proved nothing). Each failed check prints file, line and the expression.
 */
#ifndef PXT_TEST_H
#define PXT_TEST_H

#include <stdio.h>
#include <string.h>

static int pxt_test_pass, pxt_test_fail;

#define PXT_CHECK(cond)                                                        \
	do {                                                                   \
		if (cond) {                                                    \
			pxt_test_pass++;                                       \
		} else {                                                       \
			pxt_test_fail++;                                       \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #cond);                                  \
		}                                                              \
	} while (0)

#define PXT_CHECK_STR(a, b)                                                    \
	do {                                                                   \
		const char *pxt_a_ = (a), *pxt_b_ = (b);                       \
		if (pxt_a_ && pxt_b_ && strcmp(pxt_a_, pxt_b_) == 0) {         \
			pxt_test_pass++;                                       \
		} else {                                                       \
			pxt_test_fail++;                                       \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
			    __FILE__, __LINE__, #a, pxt_a_ ? pxt_a_ : "(null)", \
			    pxt_b_ ? pxt_b_ : "(null)");                       \
		}                                                              \
	} while (0)

#define PXT_CHECK_INT(a, b)                                                    \
	do {                                                                   \
		long long pxt_a_ = (long long)(a), pxt_b_ = (long long)(b);    \
		if (pxt_a_ == pxt_b_) {                                        \
			pxt_test_pass++;                                       \
		} else {                                                       \
			pxt_test_fail++;                                       \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n",  \
			    __FILE__, __LINE__, #a, pxt_a_, pxt_b_);           \
		}                                                              \
	} while (0)

/* Prints the tally; returns 0 when at least one check ran and none failed, else 1. */
static inline int
pxt_test_done(void)
{
	printf("%d passed, %d failed\n", pxt_test_pass, pxt_test_fail);
	if (pxt_test_pass + pxt_test_fail == 0) {
		fprintf(stderr, "no check ran\n");
		return 1;
	}
	return pxt_test_fail ? 1 : 0;
}

#endif
