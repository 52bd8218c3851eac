"""`dangjian token create|list|revoke`."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dangjian.core.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_prints_the_raw_token_once_and_stores_only_its_hash(client, world):
    raw, note = run("create", "ua_admin", "--name", "数据同步")
    assert raw.startswith("dj_") and len(raw) > 30
    token = ApiToken.objects.get(user=world.ua_admin)
    assert token.name == "数据同步" and token.prefix == raw[:8]
    assert token.digest == ApiToken.hash(raw) and raw not in token.digest
    assert token.prefix in note and raw not in note
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json()["username"] == "ua_admin"
    listing, _ = run("list", "ua_admin")
    assert token.prefix in listing and "数据同步" in listing and raw not in listing


def test_list_says_when_there_is_none(world):
    listing, _ = run("list", "office")
    assert "没有令牌" in listing


def test_revoke_by_prefix_ends_the_token(client, world):
    raw, _ = run("create", "ua_admin")
    out, _ = run("revoke", raw[:8])
    assert "已撤销" in out
    assert not ApiToken.objects.exists()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_revoke_refuses_an_ambiguous_prefix_but_takes_the_full_token(world):
    a, raw_a = ApiToken.issue(world.ua_admin)
    b, _ = ApiToken.issue(world.ub_admin)
    ApiToken.objects.filter(pk=b.pk).update(prefix=a.prefix)
    with pytest.raises(CommandError, match="多个令牌"):
        run("revoke", a.prefix)
    assert ApiToken.objects.count() == 2
    run("revoke", raw_a)
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [b.pk]


@pytest.mark.parametrize("args, message", [
    (("create", "ghost"), "不存在"),
    (("list", "ghost"), "不存在"),
    (("revoke", "dj_xxxxx"), "没有前缀"),
])
def test_errors_are_explained(world, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_no_token_for_an_inactive_account(world):
    world.nobody.is_active = False
    world.nobody.save()
    with pytest.raises(CommandError, match="已停用"):
        run("create", "nobody")
