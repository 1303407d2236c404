import os

QUEUE = os.getenv("WORKER_QUEUE")
