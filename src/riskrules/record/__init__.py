"""The intake record (采集记录): models, codes and value types."""

from .codes import *  # noqa: F401,F403
from .household import AssistanceMeasure, DrinkingWater, Household, IncomeWindow, Member, MonitoringCase, RigidExpenditure, Shock, TransferItem
from .values import ResidentId

__all__ = ["AssistanceMeasure", "DrinkingWater", "Household", "IncomeWindow", "Member", "MonitoringCase",
           "RigidExpenditure", "Shock", "TransferItem", "ResidentId"]
