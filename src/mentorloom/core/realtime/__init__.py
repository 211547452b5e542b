"""The realtime transport: channel layers, the consumers' database thread, batched Redis,
WebSocket origins and socket lifetime. README.md beside this file says what each piece
replaces in Channels or channels-redis, and why."""
