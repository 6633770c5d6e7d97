"""Jobs: import = decode → transcribe → analyse → store, run by an embedded worker pool."""

from pipeline.importer import ImportRequest, Services, ingest_file, process_job
from pipeline.worker import WorkerPool, run_pending

__all__ = ["ImportRequest", "Services", "WorkerPool", "ingest_file", "process_job", "run_pending"]
