"""Who may do what, written out by hand for the `world` fixture, independently of the code.

Keys are (permission, target), where a target is a branch code of the world, or "self" for the
member record owned by member_user (张三 in UA01).
"""

VIEW_UA01 = {"sysadmin", "office", "ua_admin", "ua_liaison", "a1_secretary"}
VIEW_UB01 = {"sysadmin", "office", "ub_admin", "guide"}

MAY: dict[tuple[str, str], set[str]] = {
    ("view", "UA01"): VIEW_UA01,
    ("view", "UB01"): VIEW_UB01,
    ("view", "self"): VIEW_UA01 | {"member_user"},
    ("change_org", "UA01"): {"sysadmin", "office", "ua_admin"},
    ("change_org", "UB01"): {"sysadmin", "office", "ub_admin"},
    ("change_member", "UA01"): {"sysadmin", "office", "ua_admin", "a1_secretary"},
    ("change_member", "UB01"): {"sysadmin", "office", "ub_admin"},
    ("change_member", "self"): {"sysadmin", "office", "ua_admin", "a1_secretary"},
    ("unmask", "UA01"): {"sysadmin", "office", "ua_admin", "a1_secretary"},
    ("unmask", "UB01"): {"sysadmin", "office", "ub_admin"},
    ("unmask", "self"): {"sysadmin", "office", "ua_admin", "a1_secretary", "member_user"},
    ("grant", "UA01"): {"sysadmin", "office", "ua_admin"},
    ("grant", "UB01"): {"sysadmin", "office", "ub_admin"},
    # Campaign engine (world: guidance group 1 with `guide` covers UB; group 2, no account, UA).
    # act: do a unit's tasks, acknowledge notices to it.
    ("act", "UA01"): {"sysadmin", "office", "ua_admin", "ua_liaison", "a1_secretary"},
    ("act", "UB01"): {"sysadmin", "office", "ub_admin"},
    # Review of world.task_g (reviewed by the unit's guidance group; the office always may).
    ("review_guidance", "UA01"): {"sysadmin", "office"},
    ("review_guidance", "UB01"): {"sysadmin", "office", "guide"},
    # Review of world.task_p (reviewed by the level above: the admin of UA / UB).
    ("review_parent", "UA01"): {"sysadmin", "office", "ua_admin"},
    ("review_parent", "UB01"): {"sysadmin", "office", "ub_admin"},
}

LOGGED_IN = {"sysadmin", "office", "ua_admin", "ub_admin", "ua_liaison", "a1_secretary", "guide", "member_user", "nobody"}
# Anyone who holds some administrative or viewing role over part of the tree.
ANY_VIEW = {"sysadmin", "office", "ua_admin", "ub_admin", "ua_liaison", "a1_secretary", "guide"}
ANY_CHANGE_ORG = {"sysadmin", "office", "ua_admin", "ub_admin"}
ANY_CHANGE = ANY_CHANGE_ORG | {"a1_secretary"}
ANY_GRANT = {"sysadmin", "office", "ua_admin", "ub_admin"}
# Who may run the world's campaign (owned by the root): create tasks, publish, send notices.
CAMPAIGN_MANAGER = {"sysadmin", "office"}
# Who sees the world's campaign: anyone who sees some org under its root.
CAMPAIGN_VIEW = ANY_VIEW

# Member names each role must see in lists (and no others).
MEMBERS_A1 = {"张三", "李四"}
MEMBERS_A2 = {"王五"}
MEMBERS_B1 = {"赵六", "钱七"}
VISIBLE_MEMBERS: dict[str, set[str]] = {
    "sysadmin": MEMBERS_A1 | MEMBERS_A2 | MEMBERS_B1,
    "office": MEMBERS_A1 | MEMBERS_A2 | MEMBERS_B1,
    "ua_admin": MEMBERS_A1 | MEMBERS_A2,
    "ub_admin": MEMBERS_B1,
    "ua_liaison": MEMBERS_A1 | MEMBERS_A2,
    "a1_secretary": MEMBERS_A1,
    "guide": MEMBERS_B1,
    "member_user": {"张三"},
    "nobody": set(),
}
