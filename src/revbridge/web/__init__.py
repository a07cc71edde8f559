"""The dashboard: server-rendered pages both teams use, served by the same app as the API, working
offline (its one chart library, Chart.js, is vendored into ``static/vendor``)."""
