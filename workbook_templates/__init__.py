"""Plan and form templates shipped with thidua (package data: sample_plan/*.csv)."""
