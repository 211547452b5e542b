"""Media plumbing for many-party rooms: Janus (the SFU) config, process and controller client.

Django decides who may join which room; media flows browser <-> Janus and never through Python.
`config` writes the config directory, `process` starts the embedded Janus beside runstack's
children, `controller` talks to Janus's admin API (rooms, tokens, kicks).
"""
