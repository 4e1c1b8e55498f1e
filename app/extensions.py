"""Flask extensions, created once here and bound to the app in `create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Constraint names that are stable on SQLite and PostgreSQL, so migrations agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
#: Flask-Limiter's check, which runs before every request and again in each limited route.
_check_request_limit = limiter._check_request_limit


def _check_writes_only(*args, **kwargs):
    """Every rate limit of the app guards a POST (sign-in, tokens, forms): reads skip the
    check, which otherwise resolves the route's limits on every page view only to find
    none that apply (the request filter below runs after that work)."""
    from flask import request

    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    return _check_request_limit(*args, **kwargs)


# Both the before-request hook and the route decorators look the method up on the instance.
limiter._check_request_limit = _check_writes_only


@limiter.request_filter
def _reads_are_not_limited() -> bool:
    """Every rate limit of the app guards a POST (sign-in, tokens, forms), so GET, HEAD and
    OPTIONS requests skip the limiter's per-request work (resolving the route's limits)."""
    from flask import request

    return request.method in ("GET", "HEAD", "OPTIONS")
