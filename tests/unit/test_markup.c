/* Escaping for reports: a string from a campaign file must never become
 * markup, and embedded images must decode. */
#include <string.h>

#include "out/markup.h"
#include "testutil.h"

static void test_html(void)
{
	struct textbuf b;
	textbuf_init(&b);
	markup_html(&b, "<script>alert('x & \"y\"')</script>\x01");
	CU_ASSERT_STRING_EQUAL(b.s, "&lt;script&gt;alert(&#39;x &amp; "
				    "&quot;y&quot;&#39;)&lt;/script&gt;");
	textbuf_release(&b);
}

static void test_md(void)
{
	struct textbuf b;
	textbuf_init(&b);
	markup_md(&b, "a|b_c*<i>\nx");
	CU_ASSERT_STRING_EQUAL(b.s, "a\\|b\\_c\\*\\<i\\> x");
	textbuf_release(&b);
}

/* RFC 4648 section 10 test vectors. */
static void test_base64(void)
{
	static const char *const in[] = {"",	 "f",	  "fo",	   "foo",
					 "foob", "fooba", "foobar"};
	static const char *const out[] = {
	    "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		struct textbuf b;
		textbuf_init(&b);
		markup_base64(&b, (const unsigned char *)in[i], strlen(in[i]));
		CU_ASSERT_STRING_EQUAL(b.s, out[i]);
		textbuf_release(&b);
	}
}

static CU_TestInfo tests[] = {
    {"HTML escaping", test_html},
    {"Markdown escaping", test_md},
    {"base64 RFC 4648 vectors", test_base64},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("markup", tests)
