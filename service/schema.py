"""The whole schema: imports every stage's tables so `metadata` holds them all."""

from __future__ import annotations

import yuqing.alerts.models
import yuqing.analysis.models
import yuqing.collector.models
import yuqing.service.accounts
import yuqing.service.models
from yuqing.config.database import Base

metadata = Base.metadata
MODEL_MODULES = (yuqing.collector.models, yuqing.analysis.models, yuqing.alerts.models, yuqing.service.models,
                 yuqing.service.accounts)
