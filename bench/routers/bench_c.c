/*
 * bench_c.c - the C half of bench/service_vs_c.sh: a router module that registers
 * POST /api/bench/c/rows, an insert route on bench/rows with the same inputs as the
 * declared route POST /api/bench/toml/rows of bench/routers/bench.toml. The script
 * builds it against the installed libpxt, as an out-of-tree router is built:
 *
 *	cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags pxt) \
 *	    -o bench_c.so bench_c.c $(pkg-config --libs pxt)
 *
 * and loads it with SERVER_ROUTERS="data.so,/abs/path/bench_c.so". The table is made by
 * bench/bench_setup.c before the workers start.
 */
#include <pxt/router.h>

#define BENCH_TABLE "bench/rows"

static const char *const bench_inputs[] = {"body", "metadata", "n", NULL};

static pxt_err
bench_c_init(pxt_router *r)
{
	pxt_table *t = pxt_get_table(pxt_router_env(r), BENCH_TABLE);

	if (t == NULL)
		return pxt_seterr(pxt_errcode(), "%s (run bench_setup first)",
		    pxt_errmsg());
	pxt_router_prefix(r, "/api/bench/c");
	return pxt_add_insert_route(r, "/rows", t,
	    &(pxt_route_opts){PXT_ROUTE_OPTS_INIT, .inputs = bench_inputs});
}

PXT_ROUTER("bench_c", "1.0", bench_c_init, NULL)
