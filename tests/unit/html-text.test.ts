import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText, NAMED_ENTITIES } from '../../src/core/html-text';

describe('decodeEntities', () => {
  it('decodes named, decimal, hex and Windows-1252 references', () => {
    expect(decodeEntities('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;')).toBe(`a & b <c> "d" 'e'`);
    expect(decodeEntities('caf&eacute; &Eacute;t&eacute; &copy; &nbsp;x &hellip; &mdash; &euro;')).toBe(
      'café Été © \u00a0x … — €',
    );
    expect(decodeEntities('&#233;&#xE9;&#x1F600;&#128512;')).toBe('éé😀😀');
    expect(decodeEntities('&#150;&#8211;&#x92;')).toBe('––’');
    expect(decodeEntities('&#0;&#xD800;&#x110000;')).toBe('\uFFFD\uFFFD\uFFFD');
    expect(decodeEntities('&unknown; &amp &AMP; AT&T')).toBe('&unknown; &amp &AMP; AT&T');
    expect(decodeEntities('&alpha;&Omega;&sigmaf;&thorn;&yuml;')).toBe('αΩςþÿ');
  });
  it('has the whole Latin-1 table in code point order', () => {
    expect(NAMED_ENTITIES.get('nbsp')).toBe('\u00a0');
    expect(NAMED_ENTITIES.get('times')).toBe('\u00d7');
    expect(NAMED_ENTITIES.get('yuml')).toBe('\u00ff');
  });
});

describe('htmlToText', () => {
  it('drops scripts, styles, comments and the like, and keeps paragraphs', () => {
    const html = `<!DOCTYPE html>
<html><head><title>My  &amp; Page</title>
<style>body { color: red }</style>
<script>var x = "<p>not text</p>";</script></head>
<body>
  <!-- a comment <p>hidden</p> -->
  <h1>Main   heading</h1>
  <p>First
     paragraph with <b>bold</b> and <a href="x?a=1&b=2" title="a > b">a link</a>.</p>
  <noscript>enable JS</noscript><template><p>tpl</p></template>
  <svg viewBox="0 0 1 1"><text>svg text</text></svg>
  <ul><li>one</li><li>two</li></ul>
  <div>line<br>break</div>
  <table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>
  <P CLASS="x">Upper case&nbsp;tags</P>
</body></html>`;
    const r = htmlToText(html);
    expect(r.title).toBe('My & Page');
    expect(r.text).toBe(
      [
        'Main heading',
        '',
        'First paragraph with bold and a link.',
        '',
        'one',
        'two',
        '',
        'line',
        'break',
        '',
        'a b',
        'c d',
        '',
        'Upper case tags',
      ].join('\n'),
    );
  });

  it('takes the first h1 when there is no title, and nothing when neither exists', () => {
    expect(htmlToText('<h1>First <i>one</i></h1><h1>Second</h1><p>x</p>').title).toBe('First one');
    expect(htmlToText('<title>  </title><h1>From h1</h1>').title).toBe('From h1');
    expect(htmlToText('<p>no heading</p>')).toEqual({ title: '', text: 'no heading' });
  });

  it('keeps a stray < as text and survives unclosed elements', () => {
    expect(htmlToText('<p>a < b and 3<4</p>').text).toBe('a < b and 3<4');
    expect(htmlToText('<p>before</p><script>never closed <p>x').text).toBe('before');
    expect(htmlToText('text <!-- unclosed comment').text).toBe('text');
    expect(htmlToText('<p>self <br/> closing <img src="a.png"/> tags</p>').text).toBe('self\nclosing tags');
  });

  it('does not end a script at a lookalike closing tag', () => {
    expect(htmlToText('<script>a="</scripts>"</script><p>after</p>').text).toBe('after');
  });
});
