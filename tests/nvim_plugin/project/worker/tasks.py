def run(job):
    breakpoint()
    return job
