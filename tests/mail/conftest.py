"""The mail tests: a real SMTP server, and the job fixtures."""

from tests.jobs.conftest import embedded, forget_sample_calls, own_redis  # noqa: F401
from tests.smtp import smtp_server  # noqa: F401
