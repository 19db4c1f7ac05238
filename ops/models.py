"""Operations keep no tables of their own: the workers' heartbeats moved to the runs
domain (generator.runs.models.WorkerHeartbeat), whose leases trust them."""
