"""Imports every domain's tables so that ``Base.metadata`` knows them all (Alembic, tests)."""

from minwon import commit_order as commit_order_models
from minwon import leases as lease_models
from minwon.actions import models as action_models
from minwon.analysis import models as analysis_models
from minwon.db import Base
from minwon.open311 import models as open311_models
from minwon.org import models as org_models
from minwon.outbox import models as outbox_models
from minwon.outreach import models as outreach_models
from minwon.protection import models as protection_models
from minwon.quality import models as quality_models
from minwon.reports import models as report_models
from minwon.surveys import models as survey_models
from minwon.voices import models as voice_models

__all__ = [
    "Base",
    "action_models",
    "analysis_models",
    "commit_order_models",
    "lease_models",
    "open311_models",
    "org_models",
    "outbox_models",
    "outreach_models",
    "quality_models",
    "protection_models",
    "report_models",
    "survey_models",
    "voice_models",
]
