"""Jobs: import = decode → transcribe → analyse → store, run by an embedded worker pool."""

from pipeline.importer import Services, ingest_file, process_job
from pipeline.params import ImportRequest
from pipeline.worker import WorkerPool, run_pending

__all__ = ["ImportRequest", "Services", "WorkerPool", "ingest_file", "process_job", "run_pending"]
