"""Rate limits shared by several instances through Redis (`RATELIMIT_STORAGE_URI=redis://…`).

Two real gunicorn instances of two workers each, requests alternating between
them: with Redis the 31st token request within a minute is refused, whichever
instance gets it. The same requests against instances that count in their own
memory are never refused: that is what the shared storage is for.
"""

from __future__ import annotations

import shutil
import uuid

import pytest
import redis
import requests

from tests.support import cluster

pytestmark = pytest.mark.skipif(
    not shutil.which(cluster.REDIS_SERVER),
    reason="redis-server is not installed (tests/support/system-deps.sh installs it)")

#: No password: answered 422 without touching any account, but counted by the limit.
TOKEN_BODY = {"email": "nobody@example.test"}


def start_pair(processes, tmp_path, storage: str, prefix: str) -> list[str]:
    env = cluster.app_environment(f"sqlite:///{tmp_path / 'unused.sqlite'}",
                                  instance_path=tmp_path / "instance", secret_key="shared-test",
                                  RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix)
    return [cluster.start_web(processes, f"{prefix}-{n}", env, workers=2) for n in (1, 2)]


def alternate(instances: list[str], count: int) -> list[int]:
    statuses = []
    with requests.Session() as session:
        for number in range(count):
            url = instances[number % 2] + "/api/v1/auth/token"
            statuses.append(session.post(url, json=TOKEN_BODY, timeout=10).status_code)
    return statuses


def test_the_31st_token_request_is_refused_across_two_instances(tmp_path):
    prefix = f"kp-test-{uuid.uuid4().hex[:8]}"
    with cluster.Processes(tmp_path) as processes:
        storage = cluster.start_redis(processes)
        instances = start_pair(processes, tmp_path, storage, prefix)
        statuses = alternate(instances, 31)
        assert statuses[:30] == [422] * 30
        assert statuses[30] == 429
        # The next one is refused too, on the other instance.
        assert alternate(instances[1:] + instances[:1], 1) == [429]
        keys = redis.Redis.from_url(storage).keys(f"*{prefix}*")
        assert keys, "the counters are kept in Redis under the configured prefix"


def test_without_shared_storage_each_instance_counts_alone(tmp_path):
    prefix = f"kp-memory-{uuid.uuid4().hex[:8]}"
    with cluster.Processes(tmp_path) as processes:
        instances = start_pair(processes, tmp_path, "memory://", prefix)
        statuses = alternate(instances, 31)
        assert 429 not in statuses
        assert set(statuses) == {422}
