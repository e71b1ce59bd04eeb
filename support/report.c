/*
 * report.c -- the HTML page of `wmel inspect` and `wmel compare`. One file: a style
 * sheet, a small script that decodes the embedded arrays (base64 float32/float64,
 * little-endian as written here) and draws each picture on a canvas with its axes, colour
 * bar and hover read-out, and one inline <script> per picture with its data. Nothing is
 * fetched: no link, image or script names a URL.
 */
#include "report.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static const char CSS[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;background:#fff}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px;border-top:1px solid #ddd;padding-top:10px}"
    "p.sub{color:#555;margin:0 0 10px}pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}"
    "figure{margin:18px 0 14px;border-top:1px solid #ddd;padding-top:10px}figcaption{font-weight:600;font-size:15px;margin-bottom:6px}"
    "canvas{display:block;cursor:crosshair}table{border-collapse:collapse;font-size:12px;margin-top:4px}"
    "td{border:1px solid #ddd;padding:2px 8px}td:first-child{color:#555}"
    "#tip{position:fixed;pointer-events:none;background:rgba(20,20,20,.9);color:#fff;font:12px monospace;"
    "padding:4px 6px;border-radius:3px;display:none;white-space:pre;z-index:9}";

/* The renderer. Specs arrive in W (one push per picture); draw() runs on load. */
static const char JS[] =
    "const W=[],D={};let NP=0,NA=0,NC=0;\n"
    "function b64(s){const b=atob(s),u=new Uint8Array(b.length);for(let i=0;i<b.length;i++)u[i]=b.charCodeAt(i);return u.buffer;}\n"
    "function fmt(v){if(!isFinite(v))return String(v);const a=Math.abs(v);"
    "return (a!==0&&(a>=1e5||a<1e-3))?v.toExponential(7):v.toPrecision(8);}\n"
    "function col(st,t){if(!(t>=0))t=0;if(t>1)t=1;const p=t*(st.length-1);let i=Math.floor(p);if(i>=st.length-1)i=st.length-2;"
    "const f=p-i,a=st[i],b=st[i+1];return [Math.round(a[0]+f*(b[0]-a[0])),Math.round(a[1]+f*(b[1]-a[1])),Math.round(a[2]+f*(b[2]-a[2]))];}\n"
    "const M={l:70,r:132,t:8,b:44};\n"
    "function axes(g,s,pw,ph,nx,ny){g.strokeStyle='#333';g.fillStyle='#222';g.lineWidth=1;g.font='11px sans-serif';"
    "g.strokeRect(M.l-.5,M.t-.5,pw+1,ph+1);g.textAlign='center';g.textBaseline='top';"
    "for(const [p,l] of s.x.t){const x=M.l+p/nx*pw;g.beginPath();g.moveTo(x,M.t+ph);g.lineTo(x,M.t+ph+5);g.stroke();g.fillText(l,x,M.t+ph+7);}"
    "g.fillText(s.x.n,M.l+pw/2,M.t+ph+24);NA++;"
    "g.textAlign='right';g.textBaseline='middle';"
    "for(const [p,l] of s.yl.t){const y=M.t+ph-p/ny*ph;g.beginPath();g.moveTo(M.l-5,y);g.lineTo(M.l,y);g.stroke();g.fillText(l,M.l-7,y);}"
    "g.save();g.translate(14,M.t+ph/2);g.rotate(-Math.PI/2);g.textAlign='center';g.fillText(s.yl.n,0,0);g.restore();NA++;"
    "if(s.yr&&s.yr.t.length){g.textAlign='left';for(const [p,l] of s.yr.t){const y=M.t+ph-p/ny*ph;g.beginPath();g.moveTo(M.l+pw,y);"
    "g.lineTo(M.l+pw+5,y);g.stroke();g.fillText(l,M.l+pw+7,y);}"
    "g.save();g.translate(M.l+pw+48,M.t+ph/2);g.rotate(-Math.PI/2);g.textAlign='center';g.fillText(s.yr.n,0,0);g.restore();NA++;}}\n"
    "function tip(cv,fn){const t=document.getElementById('tip');cv.addEventListener('mousemove',e=>{const r=cv.getBoundingClientRect();"
    "const s=fn(e.clientX-r.left-M.l,e.clientY-r.top-M.t);if(s===null){t.style.display='none';return;}t.textContent=s;"
    "t.style.left=(e.clientX+14)+'px';t.style.top=(e.clientY+12)+'px';t.style.display='block';});"
    "cv.addEventListener('mouseleave',()=>{t.style.display='none';});}\n"
    "function wave(s){const cv=document.getElementById('c_'+s.id),g=cv.getContext('2d');const pw=cv.width-M.l-M.r,ph=cv.height-M.t-M.b;"
    "const lo=new Float32Array(b64(s.lo)),hi=new Float32Array(b64(s.hi)),n=lo.length;let a=1e-9;"
    "for(let i=0;i<n;i++)a=Math.max(a,Math.abs(lo[i]),Math.abs(hi[i]));const A=s.amp||a;g.fillStyle='#fafafa';g.fillRect(M.l,M.t,pw,ph);"
    "g.strokeStyle='#2a6f97';for(let i=0;i<n;i++){const x=M.l+(i+.5)/n*pw;g.beginPath();g.moveTo(x,M.t+ph/2-hi[i]/A*ph/2);"
    "g.lineTo(x,M.t+ph/2-lo[i]/A*ph/2+.5);g.stroke();}axes(g,s,pw,ph,n,2*A);NP++;"
    "tip(cv,(x,y)=>{if(x<0||x>=pw||y<0||y>=ph)return null;const i=Math.min(n-1,Math.floor(x/pw*n));"
    "return 't '+(s.x0+i*s.dx).toFixed(4)+' s .. '+(s.x0+(i+1)*s.dx).toFixed(4)+' s\\nmin '+fmt(lo[i])+'\\nmax '+fmt(hi[i]);});}\n"
    "function img(s){const cv=document.getElementById('c_'+s.id),g=cv.getContext('2d');const pw=cv.width-M.l-M.r,ph=cv.height-M.t-M.b;"
    "const R=s.rows,C=s.cols;let d;if(s.from){const base=D[s.from],w=new Float64Array(b64(s.scale));d=new Float64Array(R*C);"
    "for(let r=0;r<R;r++)for(let c=0;c<C;c++)d[r*C+c]=base[r*C+c]*w[r];}else d=new Float32Array(b64(s.d));D[s.id]=d;"
    "const st=s.map?DIV:SEQ,o=document.createElement('canvas');o.width=C;o.height=R;const og=o.getContext('2d'),im=og.createImageData(C,R);"
    "for(let r=0;r<R;r++)for(let c=0;c<C;c++){let v=d[r*C+c];if(s.db)v=10*Math.log10(Math.max(v,1e-30));"
    "const q=col(st,(v-s.lo)/(s.hi-s.lo)),k=((R-1-r)*C+c)*4;im.data[k]=q[0];im.data[k+1]=q[1];im.data[k+2]=q[2];im.data[k+3]=255;}"
    "og.putImageData(im,0,0);g.imageSmoothingEnabled=false;g.drawImage(o,M.l,M.t,pw,ph);axes(g,s,pw,ph,C,R);"
    "const bx=M.l+pw+(s.yr&&s.yr.t.length?62:14),bw=12;for(let y=0;y<ph;y++){const q=col(st,1-y/(ph-1));"
    "g.fillStyle='rgb('+q[0]+','+q[1]+','+q[2]+')';g.fillRect(bx,M.t+y,bw,1);}g.strokeStyle='#333';g.strokeRect(bx-.5,M.t-.5,bw+1,ph+1);"
    "g.fillStyle='#222';g.textAlign='left';g.textBaseline='middle';for(const [v,l] of s.sc.t){const y=M.t+ph-(v-s.lo)/(s.hi-s.lo)*ph;"
    "if(y<M.t-1||y>M.t+ph+1)continue;g.beginPath();g.moveTo(bx+bw,y);g.lineTo(bx+bw+4,y);g.stroke();g.fillText(l,bx+bw+6,y);}"
    "g.save();g.translate(bx+bw+(cv.width-bx-bw)-6,M.t+ph/2);g.rotate(-Math.PI/2);g.textAlign='center';g.fillText(s.sc.n,0,0);g.restore();NC++;NP++;"
    "tip(cv,(x,y)=>{if(x<0||x>=pw||y<0||y>=ph)return null;const c=Math.min(C-1,Math.floor(x/pw*C)),r=Math.min(R-1,Math.floor((ph-y)/ph*R));"
    "const v=d[r*C+c];let t='t '+(s.x0+c*s.dx).toFixed(3)+' s  (frame '+(s.f0+c*s.fs)+')\\n'+s.rn+' '+r;"
    "if(s.rv)t+='  ('+fmt(s.rv[r])+' '+s.ru+')';t+='\\nvalue '+fmt(v);if(s.db)t+='  ('+(10*Math.log10(Math.max(v,1e-30))).toFixed(2)+' dB)';return t;});}\n"
    "window.addEventListener('load',()=>{for(const s of W){try{(s.wave?wave:img)(s);}catch(e){console.error(e);}}"
    "document.body.dataset.pictures=NP;document.body.dataset.axes=NA;document.body.dataset.colourbars=NC;"
    "document.body.dataset.renderMs=Math.round(performance.now());document.body.dataset.rendered='1';document.title+=' ['+NP+' pictures, '+NA+' axes, '+NC+' colour bars]';});\n";

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A JavaScript string literal, safe inside <script> (no "</", no line breaks). */
static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == '<' || c == '>' || c == '&') fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* Base64 of n bytes, padded at the end only. */
static void b64_raw(FILE *f, const unsigned char *p, size_t n)
{
    static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        fputc(T[v >> 18], f), fputc(T[(v >> 12) & 63], f), fputc(T[(v >> 6) & 63], f), fputc(T[v & 63], f);
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        fputc(T[v >> 18], f), fputc(T[(v >> 12) & 63], f);
        fputc(i + 1 < n ? T[(v >> 6) & 63] : '=', f);
        fputc('=', f);
    }
}

/* n elements of `size` bytes (4 or 8) as a quoted base64 string of their little-endian
 * bytes (the page reads them as typed arrays): chunks of 384 elements, a multiple of 3
 * bytes, so that only the last chunk is padded. */
static void b64_elems(FILE *f, const void *x, size_t n, size_t size)
{
    const uint16_t one = 1;
    const int le = *(const unsigned char *)&one == 1;
    unsigned char buf[384 * 8];
    const unsigned char *p = x;
    fputc('"', f);
    for (size_t i = 0; i < n; i += 384) {
        size_t k = n - i < 384 ? n - i : 384;
        for (size_t e = 0; e < k; e++)
            for (size_t b = 0; b < size; b++)
                buf[e * size + b] = p[(i + e) * size + (le ? b : size - 1 - b)];
        b64_raw(f, buf, k * size);
    }
    fputc('"', f);
}

static void b64_f32(FILE *f, const float *x, size_t n) { b64_elems(f, x, n, sizeof *x); }
static void b64_f64(FILE *f, const double *x, size_t n) { b64_elems(f, x, n, sizeof *x); }

static void axis(FILE *f, const char *key, const cli_pic_axis *a)
{
    fprintf(f, "%s:{n:", key);
    jstr(f, a->title);
    fputs(",t:[", f);
    for (int i = 0; i < a->n_ticks; i++) {
        fprintf(f, "%s[%.17g,", i ? "," : "", a->ticks[i].pos);
        jstr(f, a->ticks[i].label);
        fputc(']', f);
    }
    fputs("]}", f);
}

void cli_rpt_begin(FILE *f, const char *title, const char *subtitle)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
    esc(f, title);
    fprintf(f, "</title>\n<style>%s</style>\n<script>\n%s", CSS, JS);
    for (int m = 0; m < 2; m++) {
        fputs(m ? "const DIV=[" : "const SEQ=[", f);
        for (int i = 0; i < WMEL_PIC_STOPS; i++)
            fprintf(f, "%s[%d,%d,%d]", i ? "," : "", cli_pic_stops[m][i][0], cli_pic_stops[m][i][1],
                    cli_pic_stops[m][i][2]);
        fputs("];\n", f);
    }
    fputs("</script>\n</head><body>\n<div id=\"tip\"></div>\n<h1>", f);
    esc(f, title);
    fputs("</h1>\n<p class=\"sub\">", f);
    esc(f, subtitle);
    fputs("</p>\n", f);
}

void cli_rpt_h2(FILE *f, const char *text)
{
    fputs("<h2>", f);
    esc(f, text);
    fputs("</h2>\n", f);
}

void cli_rpt_p(FILE *f, const char *text)
{
    fputs("<p>", f);
    esc(f, text);
    fputs("</p>\n", f);
}

void cli_rpt_pre(FILE *f, const char *text)
{
    fputs("<pre>", f);
    esc(f, text);
    fputs("</pre>\n", f);
}

void cli_rpt_table(FILE *f, const char *const *kv)
{
    if (!kv || !kv[0]) return;
    fputs("<table>", f);
    for (; kv[0] && kv[1]; kv += 2) {
        fputs("<tr><td>", f);
        esc(f, kv[0]);
        fputs("</td><td>", f);
        esc(f, kv[1]);
        fputs("</td></tr>", f);
    }
    fputs("</table>\n", f);
}

static void figure(FILE *f, const char *id, const char *title, int height)
{
    fprintf(f, "<figure id=\"f_%s\"><figcaption>", id);
    esc(f, title);
    fprintf(f, "</figcaption><canvas id=\"c_%s\" width=\"1100\" height=\"%d\"></canvas>\n", id, height);
}

void cli_rpt_wave(FILE *f, const char *id, const char *title, const float *lo, const float *hi,
                   size_t n, double x0, double dx, const cli_pic_axis *x, const cli_pic_axis *y,
                   const char *const *table)
{
    figure(f, id, title, 180);
    fprintf(f, "<script>W.push({wave:1,id:\"%s\",x0:%.17g,dx:%.17g,", id, x0, dx);
    axis(f, "x", x);
    fputc(',', f);
    axis(f, "yl", y);
    fputs(",lo:", f);
    b64_f32(f, lo, n);
    fputs(",hi:", f);
    b64_f32(f, hi, n);
    fputs("});</script>\n", f);
    cli_rpt_table(f, table);
    fputs("</figure>\n", f);
}

void cli_rpt_image(FILE *f, const cli_rpt_img *im)
{
    int h = (int)(im->rows * 2);
    if (h < 170) h = 170;
    if (h > 340) h = 340;
    figure(f, im->id, im->title, h + 52);
    fprintf(f, "<script>W.push({id:\"%s\",rows:%zu,cols:%zu,map:%d,db:%d,lo:%.17g,hi:%.17g,f0:%zu,fs:%zu,"
               "x0:%.17g,dx:%.17g,rn:",
            im->id, im->rows, im->cols, im->map, im->db, im->lo, im->hi, im->f0, im->fstep, im->x0, im->dx);
    jstr(f, im->row_name ? im->row_name : "row");
    fputs(",ru:", f);
    jstr(f, im->row_unit ? im->row_unit : "");
    fputc(',', f);
    axis(f, "x", &im->x);
    fputc(',', f);
    axis(f, "yl", &im->yl);
    fputc(',', f);
    axis(f, "yr", &im->yr);
    fputc(',', f);
    axis(f, "sc", &im->scale);
    if (im->row_val) {
        fputs(",rv:[", f);
        for (size_t r = 0; r < im->rows; r++) fprintf(f, "%s%.10g", r ? "," : "", im->row_val[r]);
        fputc(']', f);
    }
    if (im->derive_from) {
        fprintf(f, ",from:\"%s\",scale:", im->derive_from);
        b64_f64(f, im->row_scale, im->rows);
    } else {
        fputs(",d:", f);
        b64_f32(f, im->data, im->rows * im->cols);
    }
    fputs("});</script>\n", f);
    cli_rpt_table(f, im->table);
    fputs("</figure>\n", f);
}

void cli_rpt_end(FILE *f) { fputs("</body></html>\n", f); }

void cli_rpt_stats(const float *x, size_t n, double *mn, double *mx, double *mean)
{
    double lo = INFINITY, hi = -INFINITY, s = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (v != v) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        s += v;
        k++;
    }
    *mn = k ? lo : NAN;
    *mx = k ? hi : NAN;
    *mean = k ? s / (double)k : NAN;
}

size_t cli_rpt_thin(size_t span, size_t per_col, size_t *step)
{
    size_t max_cols = CLI_RPT_PAGE_FLOATS / (per_col ? per_col : 1);
    if (max_cols < 1) max_cols = 1;
    *step = span > max_cols ? (span + max_cols - 1) / max_cols : 1;
    return (span + *step - 1) / *step;
}
