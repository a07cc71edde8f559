"""Predictive lead scoring, offline: lead records as a feature frame, three scorers (a calibrated
gradient-boosting model, a naive Bayes baseline built the way Odoo CRM scores leads, and the SLA's fit
rules) and their cross-validated evaluation on any CSV export.

- ``frames.py``: records into features (numbers as floats, the rest categories, missing kept missing).
- ``exports.py``: a CSV export read through the generic importer's row conversion, and its label.
- ``naive_bayes.py``, ``model.py``, ``rules.py``: the scorers.
- ``metrics.py``: ROC AUC, PR AUC, Brier score, the calibration and gain tables.
- ``evaluation.py``: stratified k-fold cross-validation of several scorers on the same folds.
"""
