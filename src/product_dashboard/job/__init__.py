"""Durable background jobs: handlers register by type; the runner executes, checkpoints, resumes."""

from product_dashboard.job.context import Handler, JobContext, JobStopped, StopReason
from product_dashboard.job.runner import JobRunner, RunnerConfig

__all__ = ["Handler", "JobContext", "JobRunner", "JobStopped", "RunnerConfig", "StopReason"]
