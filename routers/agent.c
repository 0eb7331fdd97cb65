/*
 * agent.c - the reference app's agent router (the starter kit's backend/routers/
 * agent.py): the chat history's queries, so the agent tab lists conversations.
 *
 *   GET  /api/agent/messages       {"rows": [{role, content, conversation_id,
 *                                  timestamp}]}, oldest first
 *   POST /api/agent/conversation   {"conversation_id"} -> {"rows": [{role, content,
 *                                  timestamp}]}, oldest first
 *
 * POST /api/agent/delete-conversation is declared in the service file
 * (routers/service.toml). The agent itself (POST /api/agent/query) comes with the
 * LLM functions.
 */
#include <stdio.h>

#include "pxt/pxt.h"
#include "pxt/router.h"

#define AGENT_MESSAGES_DEFAULT 10000
#define AGENT_MESSAGES_MAX 100000

/* The query named name over the chat history: its messages, oldest first. */
static pxt_query *
agent_messages_query(pxt_table *chat, const char *name, bool with_conversation)
{
	pxt_query *q = pxt_query_new(chat, name);

	pxt_query_select_as(q, "role", pxt_col("role"));
	pxt_query_select_as(q, "content", pxt_col("content"));
	if (with_conversation)
		pxt_query_select_as(q, "conversation_id", pxt_col("conversation_id"));
	pxt_query_select_as(q, "timestamp", pxt_col("timestamp"));
	pxt_query_order_by(q, "timestamp", false);
	pxt_query_limit(q, AGENT_MESSAGES_DEFAULT, AGENT_MESSAGES_MAX);
	return q;
}

static pxt_err
agent_init(pxt_router *r)
{
	pxt_env *env = pxt_router_env(r);
	const char *ns = pxt_config_str(pxt_env_config(env), "app", "namespace");
	char path[256];
	pxt_table *chat;
	pxt_query *q;
	pxt_err rc;

	snprintf(path, sizeof(path), "%s/chat_history", ns);
	if ((chat = pxt_get_table(env, path)) == NULL)
		return pxt_seterr(pxt_errcode(), "%s (run pxtc-setup first)", pxt_errmsg());
	pxt_router_prefix(r, "/api/agent");
	q = agent_messages_query(chat, "list_messages", true);
	if ((rc = pxt_add_query_route(r, "/messages", q, PXT_GET, false)) != PXT_OK)
		return rc;
	q = agent_messages_query(chat, "get_conversation", false);
	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "conversation_id"), pxt_q_param(q,
	    "conversation_id", PXT_STRING)));
	return pxt_add_query_route(r, "/conversation", q, PXT_POST, false);
}

PXT_ROUTER("agent", "1.0", agent_init, NULL)
