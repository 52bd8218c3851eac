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
    # Study (world: make_study_world). Records an org publishes to its subtree (library books,
    # quizzes) are read from below: by role holders under it and, for MEMBERS-inherited
    # records, by members whose branch is under it. Target UA01 stands for a record of UA
    # (material_a, quiz_a, q_a); UB01 for one of UB.
    ("view_inherited", "UA01"): {"sysadmin", "office", "ua_admin", "ua_liaison", "a1_secretary", "member_user"},
    ("view_inherited", "UB01"): {"sysadmin", "office", "ub_admin", "guide"},
    ("view_inherited_roles", "UA01"): {"sysadmin", "office", "ua_admin", "ua_liaison", "a1_secretary"},
    ("view_inherited_roles", "UB01"): {"sysadmin", "office", "ub_admin", "guide"},
    # A member's own study rows (attendance att_a1 of 张三 for UA01; 赵六's att_b1 for UB01,
    # whose member has no account): seen by those who see the branch, and by the member.
    ("view_own", "UA01"): VIEW_UA01 | {"member_user"},
    ("view_own", "UB01"): VIEW_UB01,
    # Only the member themself (check in, ask for leave, read, take a quiz).
    ("own", "UA01"): {"member_user"},
    ("own", "UB01"): set(),
    # Supervision (world: make_supervision_world). Records of a guidance group (activities,
    # photos, group notices, the group's round units): the office and the group's own members.
    # group1 (guide) covers UB; group2 (no account) covers UA. The same people may record an
    # activity at the unit (the office for any group).
    ("group", "UA01"): {"sysadmin", "office"},
    ("group", "UB01"): {"sysadmin", "office", "guide"},
}

LOGGED_IN = {"sysadmin", "office", "ua_admin", "ub_admin", "ua_liaison", "a1_secretary", "guide", "member_user", "nobody"}
# Anyone who holds some administrative or viewing role over part of the tree.
ANY_VIEW = {"sysadmin", "office", "ua_admin", "ub_admin", "ua_liaison", "a1_secretary", "guide"}
ANY_CHANGE_ORG = {"sysadmin", "office", "ua_admin", "ub_admin"}
ANY_CHANGE = ANY_CHANGE_ORG | {"a1_secretary"}
ANY_GRANT = {"sysadmin", "office", "ua_admin", "ub_admin"}
# Logged-in users with a member record of their own (张三): the member's pages on a phone.
HAS_MEMBER = {"member_user"}
# Who reads the root's library and quizzes: every role holder under the root, and members.
STUDY_READER = ANY_VIEW | HAS_MEMBER
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
