"""The bare Flask endpoint that `make bench-pages` serves next to the app, under the same
gunicorn config, as the upper limit of requests per second a Flask page can reach."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index() -> str:
    return "<!doctype html><title>Bare</title><p>Hello</p>"
