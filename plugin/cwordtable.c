/* The segmenter's dictionary as one read-only buffer, and the two loops that read it (plugin.wordtable holds
 * the format, the builder and the pure-Python twins that give identical results, and chooses between them).
 *
 * The buffer (a snapshot file mapped into memory, or bytes), little-endian uint32 unless said otherwise:
 *
 *     header   "QLWT", version (1), n entries, n_slots (a power of two > n), n_codes, 0, total (uint64)
 *     slots    n_slots: entry index + 1 (0: empty); open addressing, linear probing from
 *              crc & (n_slots - 1), crc = zlib.crc32 of the word's UTF-16-BE bytes (surrogatepass)
 *     offs     n + 1: entry i's word is codes[offs[i]:offs[i + 1]]
 *     counts   n: the dictionary count (0: a mere prefix of a word)
 *     codes    n_codes: the words' code points
 *
 * Nothing is parsed at load: a look-up hashes the characters of a slice of a str, probes the slots and
 * compares code points, so the loops below look up every substring of a window without making a str of it.
 * Every index read from the buffer is checked against the buffer's bounds (a damaged file gives wrong
 * answers, never a bad read).
 *
 *   WordTable(buffer)          a Mapping[str, int] over the buffer (get, [], in, len, iteration, total)
 *   route_ends(sentence, table, logtotal) -> list[int]
 *       jieba's best route over a Han block (precise mode, HMM off): plugin.matching.native.route_ends_py.
 *   cut_edges(text, table, logtotal) -> tuple[int, ...]
 *       The token edges of jieba's precise mode (HMM off) over the table: plugin.segment.Segmenter's _edges
 *       (its Han blocks, space pieces, best route and runs of single Latin letters / digits), in one call.
 *   crossing_word(dense, start, end, pairs, table, max_word) -> bool
 *       Whether a dictionary word crosses an edge of dense[start:end]: plugin.matching.native.crossing_word_py.
 *   edges_check(pairs, table, max_word, window, edges, dense, start, end, mode, pinyin) -> bool | None
 *       plugin.matching.filters.boundary_ok of dense[start:end] (boundary ``mode``, read in pinyin or not) where
 *       it needs no offset map: True / False, or None (the caller asks boundary_ok: a letter or digit edge inside
 *       a longer Latin word or number, whose separator test reads the map; the Latin-only modes). The cheap
 *       rules (auto: a hit longer than four characters, without a CJK character or all ASCII; auto / word /
 *       crossing: no dictionary word crossing an edge), then WordBoundary.check's window cut by ``edges``.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "matching/crc16be.h"

#define HEADER_BYTES 32

typedef struct {
    PyObject_HEAD
    Py_buffer view;
    int has_view;
    uint32_t n, n_slots, n_codes;
    uint64_t total;
    const uint32_t *slots, *offs, *counts, *codes;
} WordTable;

static PyTypeObject WordTableType;

static uint32_t
read_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static PyObject *
table_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *source;
    WordTable *self;
    const unsigned char *p;
    uint64_t need;
    static char *kwlist[] = {"buffer", NULL};

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:WordTable", kwlist, &source))
        return NULL;
    self = (WordTable *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    if (PyObject_GetBuffer(source, &self->view, PyBUF_SIMPLE) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    self->has_view = 1;
    p = self->view.buf;
    if (self->view.len < HEADER_BYTES || memcmp(p, "QLWT", 4) != 0 || read_u32(p + 4) != 1) {
        PyErr_SetString(PyExc_ValueError, "not a word table (version 1)");
        Py_DECREF(self);
        return NULL;
    }
    self->n = read_u32(p + 8);
    self->n_slots = read_u32(p + 12);
    self->n_codes = read_u32(p + 16);
    self->total = (uint64_t)read_u32(p + 24) | (uint64_t)read_u32(p + 28) << 32;
    need = HEADER_BYTES + 4 * ((uint64_t)self->n_slots + 2 * (uint64_t)self->n + 1 + self->n_codes);
    if (self->n_slots == 0 || (self->n_slots & (self->n_slots - 1)) != 0 || self->n_slots <= self->n
        || need != (uint64_t)self->view.len || ((uintptr_t)p & 3) != 0) {
        PyErr_SetString(PyExc_ValueError, "word table: inconsistent sizes");
        Py_DECREF(self);
        return NULL;
    }
    self->slots = (const uint32_t *)(p + HEADER_BYTES);
    self->offs = self->slots + self->n_slots;
    self->counts = self->offs + self->n + 1;
    self->codes = self->counts + self->n;
    return (PyObject *)self;
}

static void
table_dealloc(WordTable *self)
{
    if (self->has_view)
        PyBuffer_Release(&self->view);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The entry of text[start:start + len], or -1 when the table does not hold it. */
static Py_ssize_t
find(const WordTable *t, int kind, const void *data, Py_ssize_t start, Py_ssize_t len)
{
    uint32_t crc = 0xFFFFFFFFu, mask = t->n_slots - 1, i, probes;
    Py_ssize_t k;
    for (k = 0; k < len; k++)
        crc = crc_code_point(crc, PyUnicode_READ(kind, data, start + k));
    crc ^= 0xFFFFFFFFu;
    for (i = crc & mask, probes = 0; probes < t->n_slots; i = (i + 1) & mask, probes++) {
        uint32_t e = t->slots[i], a, b;
        if (e == 0)
            return -1;
        e--;
        if (e >= t->n)
            continue;
        a = t->offs[e];
        b = t->offs[e + 1];
        if (a > b || b > t->n_codes || (Py_ssize_t)(b - a) != len)
            continue;
        for (k = 0; k < len; k++)
            if (t->codes[a + k] != PyUnicode_READ(kind, data, start + k))
                break;
        if (k == len)
            return (Py_ssize_t)e;
    }
    return -1;
}

static Py_ssize_t
find_str(const WordTable *t, PyObject *word)
{
    return find(t, PyUnicode_KIND(word), PyUnicode_DATA(word), 0, PyUnicode_GET_LENGTH(word));
}

static PyObject *
table_get(WordTable *self, PyObject *args)
{
    PyObject *word, *fallback = Py_None;
    Py_ssize_t e;
    if (!PyArg_ParseTuple(args, "O|O:get", &word, &fallback))
        return NULL;
    if (!PyUnicode_Check(word))
        return Py_NewRef(fallback);
    e = find_str(self, word);
    if (e < 0)
        return Py_NewRef(fallback);
    return PyLong_FromUnsignedLong(self->counts[e]);
}

static PyObject *
table_subscript(WordTable *self, PyObject *word)
{
    Py_ssize_t e = PyUnicode_Check(word) ? find_str(self, word) : -1;
    if (e < 0) {
        PyErr_SetObject(PyExc_KeyError, word);
        return NULL;
    }
    return PyLong_FromUnsignedLong(self->counts[e]);
}

static int
table_contains(WordTable *self, PyObject *word)
{
    return PyUnicode_Check(word) && find_str(self, word) >= 0;
}

static Py_ssize_t
table_len(WordTable *self)
{
    return (Py_ssize_t)self->n;
}

/* Entry e's word (an empty str for a damaged entry). */
static PyObject *
entry_word(const WordTable *t, uint32_t e)
{
    uint32_t a = t->offs[e], b = t->offs[e + 1];
    if (a > b || b > t->n_codes)
        return PyUnicode_New(0, 0);
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, t->codes + a, (Py_ssize_t)(b - a));
}

static PyObject *
table_keys(WordTable *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *out = PyList_New(self->n);
    uint32_t e;
    if (out == NULL)
        return NULL;
    for (e = 0; e < self->n; e++) {
        PyObject *w = entry_word(self, e);
        if (w == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, e, w);
    }
    return out;
}

static PyObject *
table_items(WordTable *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *out = PyList_New(self->n);
    uint32_t e;
    if (out == NULL)
        return NULL;
    for (e = 0; e < self->n; e++) {
        PyObject *w = entry_word(self, e), *item;
        if (w == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        item = Py_BuildValue("(Nk)", w, (unsigned long)self->counts[e]);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, e, item);
    }
    return out;
}

static PyObject *
table_iter(WordTable *self)
{
    PyObject *keys = table_keys(self, NULL), *it;
    if (keys == NULL)
        return NULL;
    it = PyObject_GetIter(keys);
    Py_DECREF(keys);
    return it;
}

static PyObject *
table_total(WordTable *self, void *Py_UNUSED(closure))
{
    return PyLong_FromUnsignedLongLong(self->total);
}

static PyMethodDef table_methods[] = {
    {"get", (PyCFunction)table_get, METH_VARARGS, "The count of a word (0: a prefix), or the default."},
    {"keys", (PyCFunction)table_keys, METH_NOARGS, "Every word, in the table's order (a list)."},
    {"items", (PyCFunction)table_items, METH_NOARGS, "(word, count) of every word, in the table's order (a list)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef table_getset[] = {
    {"total", (getter)table_total, NULL, "The sum of the dictionary's counts.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMappingMethods table_as_mapping = {(lenfunc)table_len, (binaryfunc)table_subscript, NULL};
static PySequenceMethods table_as_sequence = {.sq_contains = (objobjproc)table_contains};

static PyTypeObject WordTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "plugin.cwordtable.WordTable",
    .tp_basicsize = sizeof(WordTable),
    .tp_dealloc = (destructor)table_dealloc,
    .tp_as_mapping = &table_as_mapping,
    .tp_as_sequence = &table_as_sequence,
    .tp_iter = (getiterfunc)table_iter,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The segmenter's dictionary (word -> count) over a read-only buffer (plugin.wordtable).",
    .tp_methods = table_methods,
    .tp_getset = table_getset,
    .tp_new = table_new,
};

/* ------------------------------------------------------------------------------------------ the loops */

static int
has_pair(const Py_buffer *pairs, uint64_t key)
{
    Py_ssize_t lo = 0, hi = pairs->len / pairs->itemsize;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        uint64_t v = pairs->itemsize == 8 ? ((const uint64_t *)pairs->buf)[mid] : ((const uint32_t *)pairs->buf)[mid];
        if (v < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == pairs->len / pairs->itemsize)
        return 0;
    return (pairs->itemsize == 8 ? ((const uint64_t *)pairs->buf)[lo] : ((const uint32_t *)pairs->buf)[lo]) == key;
}

/* Whether a dictionary word of at most ``max_word`` characters crosses ``start`` or ``end`` of the
 * ``n`` characters at ``data`` (0 <= start, end <= n). */
static int
word_crosses(WordTable *table, const Py_buffer *pairs, int kind, const void *data, Py_ssize_t n,
             Py_ssize_t start, Py_ssize_t end, Py_ssize_t max_word)
{
    Py_ssize_t edges[2];
    int k;
    if (max_word < 0)
        max_word = 0;
    if (max_word > n)
        max_word = n;  /* (no overflow in edge +/- max_word) */
    edges[0] = start;
    edges[1] = end;
    for (k = 0; k < 2; k++) {
        Py_ssize_t edge = edges[k], a, b;
        Py_UCS4 left, right;
        if (edge <= 0 || edge >= n)
            continue;
        left = PyUnicode_READ(kind, data, edge - 1);
        right = PyUnicode_READ(kind, data, edge);
        if (left < 0x10000 && right < 0x10000 && !has_pair(pairs, ((uint64_t)left << 16) | right))
            continue;  /* no dictionary word has these two characters side by side */
        for (a = edge - max_word + 1 > 0 ? edge - max_word + 1 : 0; a < edge; a++) {
            Py_ssize_t last = a + max_word < n ? a + max_word : n;
            for (b = edge + 1; b <= last; b++) {
                Py_ssize_t e = find(table, kind, data, a, b - a);
                if (e >= 0 && table->counts[e])
                    return 1;
            }
        }
    }
    return 0;
}

/* ``pairs`` as a buffer of 4- or 8-byte values (released by the caller). */
static int
pairs_buffer(PyObject *pairs_obj, Py_buffer *pairs)
{
    if (PyObject_GetBuffer(pairs_obj, pairs, PyBUF_SIMPLE) < 0)
        return -1;
    if (pairs->itemsize != 4 && pairs->itemsize != 8) {
        PyBuffer_Release(pairs);
        PyErr_SetString(PyExc_TypeError, "pairs must hold 4- or 8-byte unsigned values");
        return -1;
    }
    return 0;
}

static PyObject *
crossing_word(PyObject *self, PyObject *args)
{
    PyObject *dense, *pairs_obj;
    WordTable *table;
    Py_ssize_t start, end, max_word;
    Py_buffer pairs;
    int found;

    if (!PyArg_ParseTuple(args, "UnnOO!n:crossing_word", &dense, &start, &end, &pairs_obj, &WordTableType, &table,
                          &max_word))
        return NULL;
    if (pairs_buffer(pairs_obj, &pairs) < 0)
        return NULL;
    found = word_crosses(table, &pairs, PyUnicode_KIND(dense), PyUnicode_DATA(dense), PyUnicode_GET_LENGTH(dense),
                         start, end, max_word);
    PyBuffer_Release(&pairs);
    return PyBool_FromLong(found);
}

static inline int
ascii_alnum(Py_UCS4 c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
cjk(Py_UCS4 c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF);
}

/* edges_check(pairs, table, max_word, window, edges, dense, start, end, mode, pinyin): the word-boundary filter
 * (plugin.matching.filters.boundary_ok) of dense[start:end] for boundary ``mode``, read in pinyin or not: True or
 * False where it is decided here, None where the Python check must decide (a letter or digit edge inside a
 * longer Latin word or number, whose separator test reads the offset map; the Latin-only modes and "none").
 * Decided here: for ``auto`` a hit over four characters, all ASCII or without CJK; for auto / word / crossing no
 * dictionary word across an edge (crossing_word); else, and for strict, WordBoundary.check's window of
 * ``window`` characters either side (cut at a sentence end, "\0") cut by ``edges`` (the segmenter's cached
 * Segmenter.edges: a tuple of token edges) and read as check reads it: no token across an edge (crossing: a
 * token holding the whole hit is fine), strict: both edges are token edges. */
static PyObject *
edges_check(PyObject *self, PyObject *args)
{
    PyObject *dense, *pairs_obj, *mode, *edges_fn, *window_text, *bounds;
    WordTable *table;
    Py_ssize_t start, end, max_word, window, n, i, ws, we, s, e, nb;
    Py_buffer pairs;
    int pinyin, kind, strict = 0, containing = 0, crosses, ok;
    const void *data;

    if (!PyArg_ParseTuple(args, "OO!nnOUnnUp:edges_check", &pairs_obj, &WordTableType, &table, &max_word, &window,
                          &edges_fn, &dense, &start, &end, &mode, &pinyin))
        return NULL;
    n = PyUnicode_GET_LENGTH(dense);
    if (start < 0 || end > n || start >= end || window < 0)
        Py_RETURN_NONE;
    kind = PyUnicode_KIND(dense);
    data = PyUnicode_DATA(dense);
    if (!pinyin) {  /* a letter or digit edge inside a longer Latin word or number: the separator test decides */
        if (ascii_alnum(PyUnicode_READ(kind, data, start)) && start > 0
            && ascii_alnum(PyUnicode_READ(kind, data, start - 1)))
            Py_RETURN_NONE;
        if (ascii_alnum(PyUnicode_READ(kind, data, end - 1)) && end < n
            && ascii_alnum(PyUnicode_READ(kind, data, end)))
            Py_RETURN_NONE;
    }
    if (PyUnicode_CompareWithASCIIString(mode, "auto") == 0) {
        int ascii = 1, any_cjk = 0;
        if (end - start > 4)
            Py_RETURN_TRUE;
        for (i = start; i < end; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            ascii &= c < 0x80;
            any_cjk |= cjk(c);
        }
        if (ascii || !any_cjk)
            Py_RETURN_TRUE;
    } else if (PyUnicode_CompareWithASCIIString(mode, "crossing") == 0) {
        containing = 1;
    } else if (PyUnicode_CompareWithASCIIString(mode, "strict") == 0) {
        strict = 1;
    } else if (PyUnicode_CompareWithASCIIString(mode, "word") != 0) {
        Py_RETURN_NONE;  /* Latin-only or no check: not read here */
    }
    if (!strict) {
        if (pairs_buffer(pairs_obj, &pairs) < 0)
            return NULL;
        crosses = word_crosses(table, &pairs, kind, data, n, start, end, max_word);
        PyBuffer_Release(&pairs);
        if (!crosses)
            Py_RETURN_TRUE;
    }
    ws = start - window > 0 ? start - window : 0;
    we = end + window < n ? end + window : n;
    for (i = start - 1; i >= ws; i--)  /* the window stops at a sentence end on either side */
        if (PyUnicode_READ(kind, data, i) == 0) {
            ws = i + 1;
            break;
        }
    for (i = end; i < we; i++)
        if (PyUnicode_READ(kind, data, i) == 0) {
            we = i;
            break;
        }
    if (strict && start == ws && end == we)
        Py_RETURN_TRUE;  /* the hit is the whole window: both its edges are token edges */
    window_text = PyUnicode_Substring(dense, ws, we);
    if (window_text == NULL)
        return NULL;
    bounds = PyObject_CallOneArg(edges_fn, window_text);
    Py_DECREF(window_text);
    if (bounds == NULL)
        return NULL;
    if (!PyTuple_Check(bounds)) {
        Py_DECREF(bounds);
        PyErr_SetString(PyExc_TypeError, "edges must give a tuple of token edges");
        return NULL;
    }
    s = start - ws;
    e = end - ws;
    nb = PyTuple_GET_SIZE(bounds);
    ok = 1;
    if (strict) {
        int has_s = 0, has_e = 0;
        for (i = 0; i < nb; i++) {
            Py_ssize_t v = PyLong_AsSsize_t(PyTuple_GET_ITEM(bounds, i));
            if (v == -1 && PyErr_Occurred())
                goto bad;
            has_s |= v == s;
            has_e |= v == e;
        }
        ok = has_s && has_e;
    } else {
        Py_ssize_t a = 0, b;
        for (i = 0; i < nb; i++, a = b) {
            b = PyLong_AsSsize_t(PyTuple_GET_ITEM(bounds, i));
            if (b == -1 && PyErr_Occurred())
                goto bad;
            if (i == 0)
                continue;
            if ((a < s && s < b) || (a < e && e < b)) {  /* a token across an edge */
                if (containing && a <= s && e <= b)
                    continue;  /* (crossing: it holds the whole hit) */
                ok = 0;
                break;
            }
        }
    }
    Py_DECREF(bounds);
    return PyBool_FromLong(ok);
bad:
    Py_DECREF(bounds);
    return NULL;
}

/* The best route over text[s:e] (a Han block): end[k] is the last index (relative to s) of the word the
 * route takes from s + k. ``val`` and ``end`` hold e - s + 1 items. */
static void
best_route(const WordTable *table, int kind, const void *data, Py_ssize_t s, Py_ssize_t e, double logtotal,
           double *val, Py_ssize_t *end)
{
    Py_ssize_t n = e - s, idx;
    val[n] = 0.0;
    end[n] = 0;
    for (idx = n - 1; idx >= 0; idx--) {
        double best = 0.0;
        Py_ssize_t best_i = -1, i, f;
        int found = 0;
        for (i = idx; i < n; i++) {
            f = find(table, kind, data, s + idx, i + 1 - idx);
            if (f < 0)
                break;  /* no word starts with this fragment */
            if (table->counts[f]) {
                double cand = log((double)table->counts[f]) - logtotal + val[i + 1];
                found = 1;
                /* the tuple (cand, i) against (best, best_i), as jieba compares them */
                if (best_i < 0 || cand > best || (cand == best && i > best_i)) {
                    best = cand;
                    best_i = i;
                }
            }
        }
        if (!found) {  /* the character alone: log(count or 1) */
            f = find(table, kind, data, s + idx, 1);
            best = (f >= 0 && table->counts[f] ? log((double)table->counts[f]) : 0.0) - logtotal + val[idx + 1];
            best_i = idx;
        }
        val[idx] = best;
        end[idx] = best_i;
    }
}

static PyObject *
route_ends(PyObject *self, PyObject *args)
{
    PyObject *sentence, *out = NULL;
    WordTable *table;
    double logtotal;
    Py_ssize_t n, idx;
    double *val = NULL;
    Py_ssize_t *end = NULL;

    if (!PyArg_ParseTuple(args, "UO!d:route_ends", &sentence, &WordTableType, &table, &logtotal))
        return NULL;
    n = PyUnicode_GET_LENGTH(sentence);
    val = PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    end = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    if (val == NULL || end == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    best_route(table, PyUnicode_KIND(sentence), PyUnicode_DATA(sentence), 0, n, logtotal, val, end);
    out = PyList_New(n);
    if (out == NULL)
        goto done;
    for (idx = 0; idx < n; idx++) {
        PyObject *v = PyLong_FromSsize_t(end[idx]);
        if (v == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, idx, v);
    }
done:
    PyMem_Free(val);
    PyMem_Free(end);
    return out;
}

/* jieba's letters and digits (re_eng) and the other characters of a Han block (re_han_default). */
static int
is_eng(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
in_han_block(Py_UCS4 c)
{
    return is_eng(c) || (c >= 0x4E00 && c <= 0x9FD5) || c == '+' || c == '#' || c == '&' || c == '.' || c == '_'
           || c == '%' || c == '-';
}

static PyObject *
cut_edges(PyObject *self, PyObject *args)
{
    PyObject *text, *out = NULL;
    WordTable *table;
    double logtotal;
    Py_ssize_t n, pos = 0, count = 1, k;
    double *val = NULL;
    Py_ssize_t *end = NULL, *edges = NULL;
    int kind;
    const void *data;

    if (!PyArg_ParseTuple(args, "UO!d:cut_edges", &text, &WordTableType, &table, &logtotal))
        return NULL;
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    val = PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    end = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    edges = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));  /* (at most one edge per character, and 0) */
    if (val == NULL || end == NULL || edges == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    edges[0] = 0;
    while (pos < n) {
        Py_ssize_t stop = pos;
        if (in_han_block(PyUnicode_READ(kind, data, pos))) {  /* a Han block: its best route */
            Py_ssize_t x = 0, m;
            int in_eng = 0;
            while (stop < n && in_han_block(PyUnicode_READ(kind, data, stop)))
                stop++;
            m = stop - pos;
            best_route(table, kind, data, pos, stop, logtotal, val, end);
            while (x < m) {
                Py_ssize_t y = end[x] + 1;
                if (y - x == 1 && is_eng(PyUnicode_READ(kind, data, pos + x)))
                    in_eng = 1;  /* a run of single letters / digits is one token */
                else {
                    if (in_eng) {
                        edges[count++] = pos + x;
                        in_eng = 0;
                    }
                    edges[count++] = pos + y;
                }
                x = y;
            }
            if (in_eng)
                edges[count++] = stop;
        }
        else {  /* outside: \r\n or one space character is a token, any other character too */
            while (stop < n && !in_han_block(PyUnicode_READ(kind, data, stop))) {
                Py_UCS4 c = PyUnicode_READ(kind, data, stop);
                stop += c == '\r' && stop + 1 < n && PyUnicode_READ(kind, data, stop + 1) == '\n' ? 2 : 1;
                edges[count++] = stop;
            }
        }
        pos = stop;
    }
    out = PyTuple_New(count);
    if (out == NULL)
        goto done;
    for (k = 0; k < count; k++) {
        PyObject *v = PyLong_FromSsize_t(edges[k]);
        if (v == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyTuple_SET_ITEM(out, k, v);
    }
done:
    PyMem_Free(val);
    PyMem_Free(end);
    PyMem_Free(edges);
    return out;
}

static PyMethodDef methods[] = {
    {"route_ends", route_ends, METH_VARARGS, "jieba's best route over a Han block: the last index of each token (plugin.segment)."},
    {"cut_edges", cut_edges, METH_VARARGS, "Token edges of jieba's precise mode (HMM off) over the table (plugin.segment)."},
    {"crossing_word", crossing_word, METH_VARARGS, "Whether a dictionary word crosses either edge of a hit (plugin.boundary)."},
    {"edges_check", edges_check, METH_VARARGS, "A hit's word-boundary check where it can be decided without the offset map (plugin.boundary)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "cwordtable", "The segmenter's dictionary over one buffer, and its loops (plugin.wordtable).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit_cwordtable(void)
{
    PyObject *m;
    init_crc_table();
    if (PyType_Ready(&WordTableType) < 0)
        return NULL;
    m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&WordTableType);
    if (PyModule_AddObject(m, "WordTable", (PyObject *)&WordTableType) < 0) {
        Py_DECREF(&WordTableType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
