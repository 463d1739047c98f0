"""Background jobs (RQ) and the periodic-job scheduler. Jobs are thin and take ids."""
