from mindwell.qa.markdown import render_markdown


def test_markdown_renders_emphasis_lists_and_code():
    html = render_markdown("**calm** and *kind*\n\n- one\n- two\n\n`code`")
    assert "<strong>calm</strong>" in html
    assert "<em>kind</em>" in html
    assert "<li>one</li>" in html
    assert "<code>code</code>" in html


def test_raw_html_is_shown_as_text_not_run():
    html = render_markdown('<script>alert(1)</script> <b onclick="x()">hi</b>')
    assert "<script" not in html
    assert "<b" not in html
    assert "&lt;script&gt;" in html


def test_links_get_nofollow_ugc_noopener_noreferrer():
    html = render_markdown("[help](https://example.org/help)")
    assert 'href="https://example.org/help"' in html
    assert 'rel="nofollow ugc noopener noreferrer"' in html


def test_javascript_and_data_links_are_never_links():
    for url in ["javascript:alert(1)", "data:text/html,hi", "vbscript:x", "JaVaScRiPt:x"]:
        html = render_markdown(f"[x]({url}) <{url}>")
        assert "href" not in html, html


def test_mailto_links_are_kept():
    assert 'href="mailto:help@example.org"' in render_markdown("[mail](mailto:help@example.org)")


def test_images_render_as_a_plain_link_never_an_img():
    html = render_markdown("![a sunset](https://tracker.example/pixel.png)")
    assert "<img" not in html
    assert 'href="https://tracker.example/pixel.png"' in html
    assert "a sunset (image)" in html


def test_image_with_markup_in_its_alt_text_stays_escaped():
    html = render_markdown("![<img src=x onerror=alert(1)>](https://e.example/a.png)")
    assert "<img" not in html
    assert "onerror" not in html or "&lt;img" in html
