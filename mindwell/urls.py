from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from mindwell.moderation import antispam
from mindwell.search import feeds
from mindwell.search.sitemaps import SITEMAPS
from mindwell.search.views import robots_txt

urlpatterns = [
    path("", include("mindwell.qa.urls")),
    path("", include("mindwell.search.urls")),
    path("", include("mindwell.accounts.urls")),
    path("", include("mindwell.moderation.urls")),
    path("", include("mindwell.notify.urls")),
    path("", include("mindwell.safety.urls")),
    path("antispam/challenge", antispam.challenge, name="antispam_challenge"),
    path("feeds/questions.atom", feeds.QuestionFeed(), name="feed_questions"),
    path("feeds/categories/<slug:slug>.atom", feeds.CategoryFeed(), name="feed_category"),
    path("feeds/tags/<str:name>.atom", feeds.TagFeed(), name="feed_tag"),
    path("feeds/questions/<int:pk>/answers.atom", feeds.AnswerFeed(), name="feed_answers"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
]
