// noVNC's modules read a few browser globals when imported: its logging module
// reads `window`, and its websocket wrapper the WebSocket state constants (Node 20
// has no WebSocket global). Nothing here is used to open a connection.
globalThis.window = globalThis;
globalThis.WebSocket ??= { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
