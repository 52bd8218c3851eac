"""Study pages, one module per part: sessions, plans and attendance (urls_sessions); the
member's own pages on a phone: check-in, my study, leave, make-up (urls_member); the library
and reading (urls_materials); question bank, quizzes and random questioning (urls_quizzes);
the three rates and study records (urls_rates)."""
from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.study.urls_sessions")),
    path("me/", include("dangjian.study.urls_member")),
    path("materials/", include("dangjian.study.urls_materials")),
    path("quizzes/", include("dangjian.study.urls_quizzes")),
    path("rates/", include("dangjian.study.urls_rates")),
]
