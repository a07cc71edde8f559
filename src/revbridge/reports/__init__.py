"""Reports people take to a meeting: the weekly check-in, assembled from the shared numbers (analytics)
and the team's own record (services), rendered as one self-contained HTML file (or its PDF) and as the
dashboard's check-in page, from one template (``templates/weekly_body.html``).

It sits with the interfaces, below the dashboard (which shows its pages) and the CLI (which writes its
files); its chart configurations (``charts.py``) and Jinja filters (``filters.py``) serve the dashboard
too, so that a number looks the same wherever it is read.
"""
