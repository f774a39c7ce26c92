import { describe, expect, it } from "vitest"
import { htmlToText } from "../sources/text.ts"

// Postings are third-party HTML: what a reader of the page would not see must not reach the scorers' text.
describe("htmlToText on hostile markup", () => {
  it("comments are dropped with everything inside them, tags and '>' included", () => {
    expect(htmlToText("<p>Apply now</p><!-- internal: band 3 > band 2, <b>do not publish</b> --><p>Thanks</p>")).toBe(
      "Apply now\n\nThanks"
    )
    expect(htmlToText("<p>a<!-- never closed <p>b")).toBe("a")
    expect(htmlToText("x<!-- never closed, no tag after it")).toBe("x")
  })

  it("attributes never leak, even with '>' inside a quoted value", () => {
    expect(htmlToText('<p>Click <a href="/x" title="a > b">here</a> to apply</p>')).toBe("Click here to apply")
    expect(htmlToText("<p><img alt='<script>x</script>' src=y>ok</p>")).toBe("ok")
  })

  it("table cells are kept apart and rows are lines", () => {
    expect(
      htmlToText("<table><tr><th>Location</th><th>Salary</th></tr><tr><td>Remote</td><td>$200k</td></tr></table>")
    ).toBe("Location | Salary\nRemote | $200k")
    expect(htmlToText("<TABLE><tr><td>a<td>b<tr><td>c</TABLE>")).toBe("a | b\nc")
  })

  it("a bare '<' is text, and the text after it is kept", () => {
    expect(htmlToText("<p>Teams of 5 < 10 people</p><p>Ship weekly</p>")).toBe("Teams of 5 < 10 people\n\nShip weekly")
    expect(htmlToText("x <b>y</b> 3<4 and 1 <2")).toBe("x y 3<4 and 1 <2")
  })

  it("script and style go with their content, also when the closing tag has a space or the markup needs the parser", () => {
    expect(htmlToText("<style>p{color:red}</style><p>Hi</p><script>alert(1)</script><p>Bye</p>")).toBe("Hi\n\nBye")
    expect(htmlToText("<script>alert(1)</script >x")).toBe("x")
    expect(htmlToText("<!-- c --><script>if (a < b) steal()</script><p>kept</p>")).toBe("kept")
  })

  it("entities are decoded once, on both paths", () => {
    expect(htmlToText("<p>R&amp;D &mdash; caf&eacute; &#8217;s &lt;3 &nbsp;x &amp;lt;</p>")).toBe(
      "R&D — café ’s <3 x &lt;"
    )
    expect(htmlToText("<!-- c --><p>R&amp;D &mdash; caf&eacute; &amp;lt;</p>")).toBe("R&D — café &lt;")
  })

  it("nested lists keep one bullet per item", () => {
    expect(htmlToText("<ul><li>Lead<ul><li>Sales</li><li>Ops</li></ul></li><li>Hire</li></ul>")).toBe(
      "• Lead\n\n• Sales\n• Ops\n\n• Hire"
    )
    // The parser path gives the same text as the fast path.
    expect(htmlToText("<!-- x --><ul><li>Lead<ul><li>Sales</li><li>Ops</li></ul></li><li>Hire</li></ul>")).toBe(
      "• Lead\n\n• Sales\n• Ops\n\n• Hire"
    )
  })

  it("a tag cut off by the end of the text is dropped, not shown", () => {
    expect(htmlToText("<p>a</p")).toBe("a")
    expect(htmlToText("About us\n<p [trimmed")).toBe("About us")
  })
})
