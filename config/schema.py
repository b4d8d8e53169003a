"""The whole schema: imports every stage's tables so `metadata` holds them all."""

from __future__ import annotations

import alerts.models
import analysis.models
import collector.models
import config.models
from config.database import Base

metadata = Base.metadata
MODEL_MODULES = (collector.models, analysis.models, alerts.models, config.models)
