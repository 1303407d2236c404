#!/usr/bin/env python3
"""Memory of `preflight lsp` after the startup scan of a workspace.

    cargo build --release -p preflight
    bash bench/corpus.sh
    cp -r bench/.corpora /tmp/corpora   # the repository's .gitignore hides bench/.corpora
    python3 bench/lsp-memory.py target/release/preflight /tmp/corpora

Starts the server on the folder, waits for the end of the scan's `$/progress`, and prints the
scan's wall time, the number of files it reported, and the process's peak and current RSS.
"""

import json
import os
import subprocess
import sys
import time


def send(proc, message):
    body = json.dumps(message).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def receive(proc):
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the server closed its output")
        if line == b"\r\n":
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(proc.stdout.read(length))


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def main():
    binary, folder = sys.argv[1], os.path.abspath(sys.argv[2])
    proc = subprocess.Popen(
        [binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    uri = "file://" + folder
    send(proc, {
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "processId": os.getpid(),
            "rootUri": uri,
            "workspaceFolders": [{"uri": uri, "name": "corpus"}],
            "capabilities": {"window": {"workDoneProgress": True}},
        },
    })
    while receive(proc).get("id") != 1:
        pass  # `initialized` may only follow the answer to `initialize`
    started = time.monotonic()
    send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    files = published = 0
    while True:
        message = receive(proc)
        method = message.get("method")
        if "id" in message and method:
            # Server requests (progress creation): answer so the server never waits.
            send(proc, {"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif method == "$/progress":
            value = message["params"]["value"]
            if value.get("kind") == "end":
                files = int(value.get("message", "0").split()[0])
                break
        elif method == "textDocument/publishDiagnostics":
            published += 1
    elapsed = time.monotonic() - started
    # Publications of the scan's results follow its end; give them a moment.
    time.sleep(1.0)
    fields = status(proc.pid)
    print(f"{files} files scanned in {elapsed:.2f} s; "
          f"peak RSS {fields['VmHWM']}, RSS now {fields['VmRSS']}")
    send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    while receive(proc).get("id") != 2:
        pass  # drain what the server still has to say
    send(proc, {"jsonrpc": "2.0", "method": "exit"})
    proc.wait(timeout=10)


if __name__ == "__main__":
    main()
