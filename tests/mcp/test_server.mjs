// An MCP server for tests/mcp on the MCP SDK itself (npm
// @modelcontextprotocol/sdk), for what server-everything cannot show:
//   node test_server.mjs stdio
//   node test_server.mjs http <port>
// Tools: "echo" {text} -> the text; "ask" {method} -> sends that request
// (ping, roots/list, ...) to the client and returns what came back, as
// "result <json>" or "error <code>"; "poll" {text} -> closes the request's
// event stream first (SSE polling: the client must come back with GET and
// Last-Event-ID), then answers the text 300 ms later. Over HTTP, sessions live in this
// process only (a restart forgets them: the SDK then answers 404, as the
// transport spec says), and each new session and each DELETE is printed on
// stdout ("session <id>", "deleted <id>") for the test to read.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

function makeServer() {
  const server = new McpServer({ name: "mandate-test-server", version: "1.0.0" });
  server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  server.registerTool("ask", { inputSchema: { method: z.string() } }, async ({ method }, extra) => {
    try {
      const result = await extra.sendRequest({ method, params: {} }, z.any());
      return { content: [{ type: "text", text: "result " + JSON.stringify(result) }] };
    } catch (e) {
      return { content: [{ type: "text", text: "error " + e.code }] };
    }
  });
  server.registerTool("poll", { inputSchema: { text: z.string() } }, async ({ text }, extra) => {
    if (extra.closeSSEStream) {
      extra.closeSSEStream();
      console.log("closed stream");
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { content: [{ type: "text", text }] };
  });
  return server;
}

// Events kept for resumption (Last-Event-ID), as server-everything does.
class EventStore {
  events = new Map();
  async storeEvent(streamId, message) {
    const id = streamId + "_" + randomUUID();
    this.events.set(id, { streamId, message });
    return id;
  }
  async getStreamIdForEventId(eventId) {
    return this.events.get(eventId)?.streamId;
  }
  async replayEventsAfter(lastEventId, { send }) {
    const entries = Array.from(this.events.entries());
    const start = entries.findIndex(([id]) => id === lastEventId);
    if (start === -1) return undefined;
    const streamId = entries[start][1].streamId;
    for (const [id, { streamId: s, message }] of entries.slice(start + 1)) {
      if (s === streamId) await send(id, message);
    }
    console.log("resumed after " + lastEventId);
    return streamId;
  }
}

const mode = process.argv[2];
if (mode === "stdio") {
  await makeServer().connect(new StdioServerTransport());
} else if (mode === "http") {
  const port = Number(process.argv[3]);
  const transports = new Map();
  const httpServer = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const sid = req.headers["mcp-session-id"];
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      if (sid) {  // a session this process does not know (it restarted)
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }));
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new EventStore(),
        retryInterval: 100,
        onsessioninitialized: (id) => {
          transports.set(id, transport);
          console.log("session " + id);
        },
      });
      await makeServer().connect(transport);
    }
    if (req.method === "DELETE") console.log("deleted " + sid);
    await transport.handleRequest(req, res, body);
  });
  httpServer.listen(port, "127.0.0.1", () => console.log("listening " + port));
} else {
  console.error("usage: test_server.mjs stdio | http <port>");
  process.exit(2);
}
