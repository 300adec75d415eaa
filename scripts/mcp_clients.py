#!/usr/bin/env python3
"""The MCP contract checked with the official MCP Python SDK (`mcp` on PyPI), as an AI
assistant's host would use it, against the real binary: streamable HTTP with a bearer token
(401 without) and stdio (`seo-architects mcp --user NAME`).

Usage: mcp_clients.py BASE_URL USERNAME PASSWORD BINARY DATABASE_URL

Each check prints one line; any failure exits non-zero naming it.
"""

import asyncio
import json
import sys

import httpx2
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

LEAD = {
    "company_name": "Acme",
    "contact_role": "CEO",
    "industry": "SaaS",
    "budget_range": "2m",
    "timeline": "asap",
    "pain_points": ["no leads"],
    "company_size": "250",
}


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


async def rest(base, token):
    async with httpx2.AsyncClient(base_url=base, headers={"authorization": f"Bearer {token}"}, timeout=30) as c:
        agents = (await c.get("/api/agents", params={"size": 100})).json()["items"]
        r = await c.post("/api/agents/lead_qualification/tasks", params={"wait": 10}, json={"input": LEAD})
        check(r.status_code == 200, f"REST lead qualification finished ({r.status_code})")
        lead = r.json()["output"]
        r = await c.post("/api/clients", json={"company_name": "Python SDK Client Ltd", "contact_email": "sdk@example.com"})
        check(r.status_code == 201, f"REST client created ({r.status_code})")
        return agents, lead, r.json()["id"]


def expected_tools(agents):
    names = set()
    for a in agents:
        for t in a["task_types"]:
            names.add(f"{a['agent_id']}__{t['name']}")
    return names


async def exercise(session, agents, lead, client_id, label):
    await session.initialize()
    print(f"ok: {label}: initialized")
    tools = (await session.list_tools()).tools
    names = {t.name for t in tools}
    missing = expected_tools(agents) - names
    check(not missing, f"{label}: every task type of every agent is a tool (missing: {sorted(missing)})")
    result = await session.call_tool("lead_qualification__qualify_lead", LEAD)
    check(not result.is_error, f"{label}: lead qualification tool call succeeded")
    out = result.structured_content
    check(out["score"] == lead["score"], f"{label}: same score as the REST API ({out['score']} == {lead['score']})")
    check(out["classification"] == lead["classification"], f"{label}: same classification ({out['classification']})")
    if client_id:
        res = await session.read_resource(f"seo://clients/{client_id}")
        body = json.loads(res.contents[0].text)
        check(body["company_name"] == "Python SDK Client Ltd", f"{label}: client resource read")


async def main():
    base, username, password, binary, database_url = sys.argv[1:6]
    async with httpx2.AsyncClient(timeout=30) as c:
        r = await c.post(f"{base}/auth/login", json={"username": username, "password": password})
        check(r.status_code == 200, "signed in")
        token = r.json()["access_token"]
        r = await c.post(
            f"{base}/mcp",
            headers={"accept": "application/json, text/event-stream"},
            json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "ci", "version": "1"}}},
        )
        check(r.status_code == 401, f"/mcp without a token is 401 ({r.status_code})")

    agents, lead, client_id = await rest(base, token)

    async with httpx2.AsyncClient(headers={"authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(30, read=120)) as http:
        async with streamable_http_client(f"{base}/mcp", http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await exercise(session, agents, lead, client_id, "streamable HTTP")

    params = StdioServerParameters(
        command=binary,
        args=["mcp", "--user", username],
        env={"DATABASE_URL": database_url, "LOG_LEVEL": "warn", "PATH": "/usr/bin:/bin"},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await exercise(session, agents, lead, client_id, "stdio")
    print("MCP Python SDK checks passed")


asyncio.run(main())
