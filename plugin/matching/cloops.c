/* The matcher's per-character and per-output loops in C (plugin.matching.native holds the
 * pure-Python twins that give identical results, and chooses between them).
 *
 *   encode_classes(view, codes, shift) -> str
 *       ``view`` written in homophone classes (``codes``: 65,536 little-endian uint16, the class of
 *       each BMP code point), as UTF-16 code units shown as latin-1 when ``shift`` is 1, as a plain
 *       string when 0. Astral characters keep their code point (as surrogate pairs when ``shift``).
 *
 *   dense_outputs(automaton, dense, codes, shift, pat_text, pat_ends, pat_kind, pat_flags, groups[, direct[,
 *                 index]]) -> list[tuple[int, int, int, int, int]]
 *       Every automaton output over the encoded ``dense`` view that the dense pass could keep, in
 *       output order, as (start, end, pattern id, differ, digits): ``differ`` the characters where the
 *       dense text and the pattern's (``pat_text``, ``pat_ends``: plugin.matching.model.PatternTexts)
 *       differ, 0 when identical; ``digits`` 1 when either holds an ASCII digit. Besides identical
 *       ones only TERM patterns with a digit involved or a homophone / shape flag and few enough
 *       differing characters (the rest is decided in Python). ``direct``: walk the trie itself (below);
 *       ``index``: trie_index of the automaton (bytes; empty for none).
 *
 *   shape_outputs(automaton, dense, codes, shift, pat_text, pat_ends, pat_kind, pat_flags, groups, sources,
 *                 targets, reach, filter[, index]) -> list[tuple[int, int, int, int]] | None
 *       The shape-alike spellings of another homophone class (己/已) that are no keys: at each position p
 *       of ``dense`` whose character has an item in ``sources`` (65,536 native uint16, per BMP code point
 *       0 or k + 1 for ``targets[k]``, the characters it is an alike of), for each such character t, the
 *       TERM patterns with the shape flag whose text is ``dense[s:e]`` with t at p (s <= p < e, at most
 *       ``reach`` characters), found by walking the trie from each s with t's class at p, as
 *       (s, e, pattern id, p); in order of p, t, s, e. None when the trie cannot be read directly.
 *       ``filter`` (shape_filter of the patterns) spares the walks where no such pattern can be: a start
 *       s < p needs a pattern with the character before p just before t, at t's place p - s; a start at
 *       p, one that starts with t followed by the character after p (or nothing: a pattern of one
 *       character). ``index``: as for
 *       dense_outputs (the first character of each walk through its tables).
 *
 *   shape_filter(pat_text, pat_ends, pat_kind, pat_flags, targets) -> bytes
 *       shape_outputs' filter: a bit set (a power of two bits, at least 16 per pair) of the character pairs
 *       around each character of ``targets`` in the TERM patterns with the shape flag: (character before,
 *       t), anywhere and at t's place j, and, for a first character, (t, character after or the end).
 *   dense_walk(automaton, codes, shift, pat_text, pat_ends, pat_kind, pat_flags, groups, direct, index, dense)
 *       dense_outputs with the view last: a matcher binds the rest once (functools.partial).
 *
 *   trie_index(automaton) -> bytes | None
 *       Direct child tables of the first two levels of a trie whose letters are bytes (the UTF-16 view),
 *       stamped with the root and version they were built for; None for another automaton.
 *
 *   offset_table(n, maps) -> bytes
 *       For each position 0 <= i < n, i mapped through the run maps in ``maps`` in order (each a
 *       (dstart, ostart) pair of lists: the last run k with dstart[k] <= i maps i to
 *       ostart[k] + i - dstart[k]), as native int64 values (plugin.normalize's offset map).
 *
 *   dense_fold(text, table, astral) -> tuple[str, int] | None
 *       ``text`` through the dense tables (``table``: 65,536 native uint32, the code point each BMP
 *       character becomes, 0xFFFFFFFF for a deleted one; ``astral``: code point -> str or None for
 *       characters beyond the BMP, missing ones kept) and what the result holds: 1 something was
 *       deleted, 2 a sentence end (U+0000), 4 a Han character written twice in a row; None when the
 *       astral table gives more than one character (the caller's general path).
 *
 *   kept_offsets(text, table, astral, n) -> bytes | None
 *       The offset in ``text`` of each character the dense tables (as dense_fold) keep, as native int64
 *       values: the offset table of a dense view that only deleted characters; None unless there are ``n``
 *       and each becomes one character.
 *
 *   view_flags(view, kinds) -> int
 *       One scan of ``view``'s character kinds (``kinds``: 65,536 bytes, 1 a Latin letter, 2 a CJK
 *       character of the separator test, 4 a separator; a character beyond the BMP reads as U+FFFD):
 *       1 two letters in a row, 2 one letter twice in a row, 4 CJK, separator, CJK in a row, 8 a
 *       character beyond the BMP.
 *
 *   window_keys(choices, last_word, automaton, groups, rows, prefixes, pid_bits[, direct])
 *       -> list[tuple[int, int, str, int, bool]]
 *       The pinyin pass's walk of one window (plugin.matching.pinyin): from each piece p < last_word,
 *       the keys made of one reading per piece p..q (``choices``: per piece, its readings), followed
 *       while the automaton (``match``) or the prefix hashes (``prefixes``, sorted uint32) have them;
 *       for each key, the pattern ids the automaton gives (``get``; a negative value: ``groups``) and
 *       those of the sorted reading rows (``rows``: crc << pid_bits | pid, crc the zlib CRC-32 of the
 *       key's UTF-16-BE bytes), as (p, q, key, pattern id, found by hash), in walk order.
 *
 *   slot_object(cls, order, values) -> object
 *       A new instance of ``cls`` (a heap type derived from object whose only fields are its
 *       ``__slots__``, all plain object members, with no __dict__) with its i-th member (in the type's
 *       member table, which CPython keeps sorted by name) set to ``values[order[i]]`` (``order``: bytes),
 *       without calling __init__ (a frozen dataclass's __init__ sets each field through
 *       object.__setattr__: ~13 generic attribute sets for a Hit). plugin.matching.native checks once per
 *       class that it gives what ``cls(*values)`` gives before using it.
 *
 *   release_free_memory() -> bool
 *       glibc's malloc_trim(0): the free pages a big compile's temporaries leave in the heap go back to
 *       the system (False elsewhere, or when nothing was released).
 *
 *   trie_outputs(automaton, text) -> list[tuple[int, int]] | None
 *       Every (end index, value) pyahocorasick's ``iter`` gives over ``text``, walked over its trie
 *       directly; None when ``automaton`` is not a pyahocorasick automaton (STORE_INTS, string keys,
 *       made) of the layout below. plugin.matching.native compares it with ``iter`` once per process
 *       before dense_outputs may walk the trie directly.
 *
 * The automaton stays pyahocorasick's. dense_outputs walks it through its ``iter`` method, or, when
 * asked (``direct``), over its trie directly: the node layout of pyahocorasick 2.x built for unicode
 * (the pinned version; checked per call by type name, object size and the kind / store / key type
 * fields), which spares the encoded copy of the view, the iterator, a tuple per output and, in the
 * UTF-16 view, the walk of the fail chain for outputs at every half character.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <structmember.h>

#include "crc16be.h"
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define KIND_TERM 0
#define FLAG_HOMOPHONE 1
#define FLAG_SHAPE 2
#define N_CODES 65536

/* Append ``item``, a new reference (NULL: the error of building it), to ``list`` and drop the reference.
 * Returns -1 on error. */
static int
append_new(PyObject *list, PyObject *item)
{
    int r;
    if (item == NULL)
        return -1;
    r = PyList_Append(list, item);
    Py_DECREF(item);
    return r;
}

/* A table of one ``width``-byte value per BMP code point into ``buf``; -1 with ``what`` as the error (and nothing
 * held) when it is not one. */
static int
read_bmp_table(PyObject *obj, Py_buffer *buf, Py_ssize_t width, const char *what)
{
    if (PyObject_GetBuffer(obj, buf, PyBUF_SIMPLE) < 0)
        return -1;
    if (buf->len != N_CODES * width) {
        PyBuffer_Release(buf);
        PyErr_SetString(PyExc_ValueError, what);
        return -1;
    }
    return 0;
}

/* The class codes (65,536 native uint16) of the dense walks. */
static int
read_codes(PyObject *codes, Py_buffer *buf)
{
    return read_bmp_table(codes, buf, 2, "codes must hold 65536 uint16 values");
}

/* The fold table (65,536 native uint32, plugin.normalize) of dense_fold and kept_offsets. */
static int
read_fold_table(PyObject *table, Py_buffer *buf)
{
    return read_bmp_table(table, buf, 4, "table must hold 65536 uint32 values");
}

static inline Py_UCS4
class_of(const uint8_t *codes, Py_UCS4 cp)
{
    if (cp >= N_CODES)
        return cp;
    return (Py_UCS4)codes[2 * cp] | ((Py_UCS4)codes[2 * cp + 1] << 8);
}

static PyObject *
encode_view(PyObject *view, const uint8_t *codes, int shift)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(view);
    int kind = PyUnicode_KIND(view);
    const void *data = PyUnicode_DATA(view);
    Py_ssize_t astral = 0;
    Py_UCS4 maxchar = 0;
    Py_ssize_t i;
    PyObject *out;

    for (i = 0; i < n; i++) {
        Py_UCS4 c = class_of(codes, PyUnicode_READ(kind, data, i));
        if (c >= N_CODES)
            astral++;
        if (c > maxchar)
            maxchar = c;
    }
    if (shift) {
        Py_UCS1 *o;
        out = PyUnicode_New(2 * (n + astral), 255);
        if (out == NULL)
            return NULL;
        o = PyUnicode_1BYTE_DATA(out);
        for (i = 0; i < n; i++) {
            Py_UCS4 c = class_of(codes, PyUnicode_READ(kind, data, i));
            if (c >= N_CODES) {
                Py_UCS4 v = c - 0x10000;
                Py_UCS4 hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);
                *o++ = (Py_UCS1)(hi >> 8);
                *o++ = (Py_UCS1)(hi & 0xFF);
                *o++ = (Py_UCS1)(lo >> 8);
                *o++ = (Py_UCS1)(lo & 0xFF);
            } else {
                *o++ = (Py_UCS1)(c >> 8);
                *o++ = (Py_UCS1)(c & 0xFF);
            }
        }
        return out;
    }
    out = PyUnicode_New(n, maxchar);
    if (out == NULL)
        return NULL;
    {
        int okind = PyUnicode_KIND(out);
        void *odata = PyUnicode_DATA(out);
        for (i = 0; i < n; i++)
            PyUnicode_WRITE(okind, odata, i, class_of(codes, PyUnicode_READ(kind, data, i)));
    }
    return out;
}

static PyObject *
encode_classes(PyObject *self, PyObject *args)
{
    PyObject *view, *codes, *out;
    int shift;
    Py_buffer buf;

    if (!PyArg_ParseTuple(args, "UOi:encode_classes", &view, &codes, &shift))
        return NULL;
    if (read_codes(codes, &buf) < 0)
        return NULL;
    out = encode_view(view, (const uint8_t *)buf.buf, shift);
    PyBuffer_Release(&buf);
    return out;
}

static inline int
is_ascii_digit(Py_UCS4 c)
{
    return c >= '0' && c <= '9';
}

/* The pattern texts, packed (plugin.matching.model.PatternTexts): all of them in one string and the
 * end of each. */
typedef struct {
    int kind;
    const void *data;
    Py_ssize_t len;
    const uint32_t *ends;
    Py_ssize_t n;
} Patterns;

/* One pattern id found ending at dense position ``e``: append it to ``out`` when the dense pass
 * could keep it. Returns -1 on error. */
static int
consider(PyObject *out, Py_ssize_t pid, Py_ssize_t e, int dkind, const void *ddata, const Patterns *pats,
         const uint8_t *pat_kind, Py_ssize_t n_kind, const uint8_t *pat_flags, Py_ssize_t n_flags)
{
    Py_ssize_t m, s, k, p0, p1, differ = 0;
    int digits = 0, identical;

    if (pid < 0 || pid >= pats->n || pid >= n_kind) {
        PyErr_SetString(PyExc_IndexError, "pattern id out of range");
        return -1;
    }
    p0 = pid ? (Py_ssize_t)pats->ends[pid - 1] : 0;
    p1 = (Py_ssize_t)pats->ends[pid];
    if (p0 > p1 || p1 > pats->len) {
        PyErr_SetString(PyExc_ValueError, "pattern ends out of order");
        return -1;
    }
    m = p1 - p0;
    s = e - m;
    if (s < 0)
        return 0;
    for (k = 0; k < m; k++) {
        Py_UCS4 a = PyUnicode_READ(dkind, ddata, s + k), b = PyUnicode_READ(pats->kind, pats->data, p0 + k);
        if (a != b)
            differ++;
        if (is_ascii_digit(a) || is_ascii_digit(b))
            digits = 1;
    }
    identical = differ == 0;
    if (!identical) {
        Py_ssize_t most;
        int flags;
        if (pat_kind[pid] != KIND_TERM)
            return 0;  /* other kinds are hits only when identical */
        if (!digits) {
            flags = pid < n_flags ? pat_flags[pid] : 0;
            most = m / 3 > 1 ? m / 3 : 1;
            if (!((differ == 1 && (flags & FLAG_SHAPE))
                  || ((flags & FLAG_HOMOPHONE) && m >= 2 && differ <= most)))
                return 0;
        }
    }
    return append_new(out, Py_BuildValue("(nnnni)", s, e, pid, differ, digits));
}

/* pyahocorasick's trie (src/trienode.h, src/Automaton.h of pyahocorasick 2.x, unicode build) */
typedef struct AhoNode {
    union {
        PyObject *object;
        uintptr_t integer;
    } output;
    struct AhoNode *fail;
    uint32_t n;
    uint8_t eow;
    struct AhoPair *next;
} AhoNode;

#pragma pack(push)
#pragma pack(1)
typedef struct AhoPair {
    uint32_t letter;
    AhoNode *child;
} AhoPair;
#pragma pack(pop)

typedef struct {
    PyObject_HEAD
    int kind;          /* AHOCORASICK = 2 once made */
    int store;         /* STORE_INTS = 10 */
    int key_type;      /* KEY_STRING = 100 */
    int count;
    int longest_word;
    AhoNode *root;
    int version;
    struct {
        int version;
        Py_ssize_t nodes_count, words_count, longest_word, links_count, sizeof_node, total_size;
    } stats;
} AhoAutomaton;

/* ``automaton`` when it is a made pyahocorasick automaton of the layout above with int values
 * and string keys, else NULL (then it is walked through ``iter``). */
static const AhoAutomaton *
aho_trie(PyObject *automaton)
{
    const AhoAutomaton *a;
    if (strcmp(Py_TYPE(automaton)->tp_name, "ahocorasick.Automaton") != 0
        || Py_TYPE(automaton)->tp_basicsize != (Py_ssize_t)sizeof(AhoAutomaton))
        return NULL;
    a = (const AhoAutomaton *)automaton;
    if (a->kind != 2 || a->store != 10 || a->key_type != 100 || a->root == NULL)
        return NULL;
    return a;
}

/* The child of ``node`` by ``letter`` (pyahocorasick's trienode_get_next), NULL when it has none. */
static inline const AhoNode *
aho_child(const AhoNode *node, uint32_t letter)
{
    const AhoPair *p = node->next;
    uint32_t i, n = node->n;
    for (i = 0; i < n; i++)
        if (p[i].letter == letter)
            return p[i].child;
    return NULL;
}

/* pyahocorasick's ahocorasick_next: the child by ``letter``, through the fail links, else the root. */
static inline const AhoNode *
aho_step(const AhoNode *node, const AhoNode *root, uint32_t letter)
{
    while (node != NULL) {
        const AhoNode *child = aho_child(node, letter);
        if (child != NULL)
            return child;
        node = node->fail;
    }
    return root;
}

/* -1 with ValueError set when the automaton's version moved since a walk began (as ``iter``: a collector's
 * finaliser, run while an output was appended, changed it; its nodes may be freed), else 0. */
static inline int
walk_interrupted(const AhoAutomaton *a, int version)
{
    if (a->version == version)
        return 0;
    PyErr_SetString(PyExc_ValueError, "the automaton changed during the walk");
    return -1;
}

/* ``c`` (a class code, or an astral code point) as the automaton's letters: one when ``shift`` is 0, else
 * its UTF-16 code units as bytes (as encode_view writes it). Returns how many. */
static inline int
class_letters(Py_UCS4 c, int shift, uint32_t *units)
{
    if (!shift) {
        units[0] = c;
        return 1;
    }
    if (c >= N_CODES) {
        Py_UCS4 v = c - 0x10000;
        Py_UCS4 hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);
        units[0] = hi >> 8;
        units[1] = hi & 0xFF;
        units[2] = lo >> 8;
        units[3] = lo & 0xFF;
        return 4;
    }
    units[0] = c >> 8;
    units[1] = c & 0xFF;
    return 2;
}

/* Append (end, value) for every word ending at ``node`` (its fail chain, longest first, as ``iter``
 * gives them; values as ``iter`` builds them, a C int). Returns -1 on error. */
static int
aho_emit(PyObject *out, const AhoNode *node, Py_ssize_t end)
{
    for (; node != NULL; node = node->fail)
        if (node->eow && append_new(out, Py_BuildValue("(ni)", end, (int)node->output.integer)) < 0)
            return -1;
    return 0;
}

typedef struct TrieIndex TrieIndex;
static inline const AhoNode *aho_step_indexed(const TrieIndex *ix, const AhoNode *node, uint32_t prev, uint32_t letter);
static const TrieIndex *index_of(PyObject *index, const AhoAutomaton *a);

static PyObject *
trie_outputs(PyObject *self, PyObject *args)
{
    PyObject *automaton, *text, *out, *index = NULL;
    const AhoAutomaton *a;
    const AhoNode *root, *state;
    const TrieIndex *ix = NULL;
    Py_ssize_t i, n;
    int kind, version;
    const void *data;
    uint32_t prev = 256;  /* (no letter yet) */

    if (!PyArg_ParseTuple(args, "OU|S:trie_outputs", &automaton, &text, &index))
        return NULL;
    a = aho_trie(automaton);
    if (a == NULL)
        Py_RETURN_NONE;
    if (index != NULL && PyBytes_GET_SIZE(index) != 0 && (ix = index_of(index, a)) == NULL)
        return NULL;
    root = a->root;
    out = PyList_New(0);
    if (out == NULL)
        return NULL;
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    state = root;
    version = a->version;
    for (i = 0; i < n; i++) {
        Py_UCS4 letter = PyUnicode_READ(kind, data, i);
        /* (the index holds byte letters: a wider one takes the plain step) */
        state = ix != NULL && letter < 256 ? aho_step_indexed(ix, state, prev, letter) : aho_step(state, root, letter);
        prev = letter;
        if (aho_emit(out, state, i) < 0) {
            Py_DECREF(out);
            return NULL;
        }
        if (walk_interrupted(a, version) < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

/* An index of a trie walked with byte letters (the UTF-16 view): the root's child by each byte and,
 * for each of those, its child by each byte, as direct tables (a node with up to 256 children is
 * otherwise scanned linearly: the walk's cache misses). Header: the root and version it was built
 * for (checked on every use). */
struct TrieIndex {
    const AhoNode *root;
    int64_t version;
    const AhoNode *first[256];
    const AhoNode *second[256][256];
};

/* ``index`` (bytes) as the trie index of ``a``; NULL with ValueError when it is not trie_index of it. */
static const TrieIndex *
index_of(PyObject *index, const AhoAutomaton *a)
{
    const TrieIndex *ix = (const TrieIndex *)PyBytes_AS_STRING(index);
    if (PyBytes_GET_SIZE(index) != (Py_ssize_t)sizeof(TrieIndex) || ix->root != a->root || ix->version != a->version) {
        PyErr_SetString(PyExc_ValueError, "index must be trie_index of the automaton");
        return NULL;
    }
    return ix;
}

static PyObject *
trie_index(PyObject *self, PyObject *args)
{
    PyObject *automaton, *out;
    const AhoAutomaton *a;
    TrieIndex *ix;
    uint32_t i, j;

    if (!PyArg_ParseTuple(args, "O:trie_index", &automaton))
        return NULL;
    a = aho_trie(automaton);
    if (a == NULL)
        Py_RETURN_NONE;
    for (i = 0; i < a->root->n; i++)
        if (a->root->next[i].letter > 255)
            Py_RETURN_NONE;  /* letters beyond a byte: not the UTF-16 view */
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)sizeof(TrieIndex));
    if (out == NULL)
        return NULL;
    ix = (TrieIndex *)PyBytes_AS_STRING(out);
    memset(ix, 0, sizeof(TrieIndex));
    ix->root = a->root;
    ix->version = a->version;
    for (i = 0; i < a->root->n; i++) {
        const AhoNode *child = a->root->next[i].child;
        uint32_t h = a->root->next[i].letter;
        ix->first[h] = child;
        for (j = 0; j < child->n; j++)
            if (child->next[j].letter < 256)
                ix->second[h][child->next[j].letter] = child->next[j].child;
    }
    return out;
}

/* ahocorasick_next through the index (``prev``: the byte before ``letter``; the only node at depth one
 * on a state's fail chain is the root's child by ``prev``). Children beyond a byte are not indexed:
 * only called when every letter is a byte. */
static inline const AhoNode *
aho_step_indexed(const TrieIndex *ix, const AhoNode *node, uint32_t prev, uint32_t letter)
{
    const AhoNode *root = ix->root, *one = prev < 256 ? ix->first[prev] : NULL;
    while (node != NULL && node != root) {
        const AhoNode *child = node == one ? ix->second[prev][letter] : aho_child(node, letter);
        if (child != NULL)
            return child;
        node = node->fail;
    }
    if (node == NULL)
        return root;
    return ix->first[letter] != NULL ? ix->first[letter] : root;
}

/* One automaton output (end byte / character ``end_b``, value ``val``) of the dense pass: every pattern
 * it stands for that the pass could keep goes to ``out``. Returns -1 on error. */
static int
take_output(PyObject *out, Py_ssize_t end_b, long val, int shift, Py_ssize_t dlen, int dkind, const void *ddata,
            const Patterns *pats, const Py_buffer *kbuf, const Py_buffer *fbuf, PyObject *groups)
{
    Py_ssize_t e;
    if (shift && !(end_b & 1))
        return 0;  /* half a character: misaligned */
    e = (end_b + 1) >> shift;
    if (e > dlen) {
        PyErr_SetString(PyExc_ValueError, "output past the end of the text");
        return -1;
    }
    if (val >= 0)
        return consider(out, (Py_ssize_t)val, e, dkind, ddata, pats, (const uint8_t *)kbuf->buf, kbuf->len,
                        (const uint8_t *)fbuf->buf, fbuf->len);
    {
        Py_ssize_t g = -(Py_ssize_t)val - 1, j;
        PyObject *group;
        if (g >= PyList_GET_SIZE(groups)) {
            PyErr_SetString(PyExc_IndexError, "group out of range");
            return -1;
        }
        group = PyList_GET_ITEM(groups, g);
        if (!PyTuple_Check(group)) {
            PyErr_SetString(PyExc_TypeError, "groups must be tuples");
            return -1;
        }
        Py_INCREF(group);  /* (held while outputs are appended: nothing may free it meanwhile) */
        for (j = 0; j < PyTuple_GET_SIZE(group); j++) {
            Py_ssize_t pid = PyLong_AsSsize_t(PyTuple_GET_ITEM(group, j));
            if ((pid == -1 && PyErr_Occurred())
                || consider(out, pid, e, dkind, ddata, pats, (const uint8_t *)kbuf->buf, kbuf->len,
                            (const uint8_t *)fbuf->buf, fbuf->len) < 0) {
                Py_DECREF(group);
                return -1;
            }
        }
        Py_DECREF(group);
    }
    return 0;
}

/* The direct walk of the dense pass: ``dense`` in classes (as encode_view writes it) fed letter by letter
 * to the trie; outputs looked for only where a character ends. Returns -1 on error. */
static int
walk_direct(PyObject *out, const AhoAutomaton *a, const TrieIndex *ix, const uint8_t *codes, int shift,
            Py_ssize_t dlen, int dkind, const void *ddata, const Patterns *pats, const Py_buffer *kbuf,
            const Py_buffer *fbuf, PyObject *groups)
{
    const AhoNode *root = a->root, *state = root;
    const int version = a->version;
    Py_ssize_t i, b = 0;
    uint32_t prev = 256;  /* (no letter yet) */
    for (i = 0; i < dlen; i++) {
        uint32_t units[4];
        int k, nu = class_letters(class_of(codes, PyUnicode_READ(dkind, ddata, i)), shift, units);
        for (k = 0; k < nu; k++, b++) {
            const AhoNode *o;
            state = ix != NULL ? aho_step_indexed(ix, state, prev, units[k]) : aho_step(state, root, units[k]);
            prev = units[k];
            if (shift && !(b & 1))
                continue;  /* (take_output drops it: no output walk for half a character) */
            for (o = state; o != NULL; o = o->fail) {
                if (!o->eow)
                    continue;
                if (take_output(out, b, (long)(int)o->output.integer, shift, dlen, dkind, ddata, pats, kbuf, fbuf,
                                groups) < 0)
                    return -1;
                if (walk_interrupted(a, version) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* Pattern ``pid`` when it is a TERM pattern with the shape flag whose text is ``dense[s:e]`` with ``t`` at
 * ``p``: append (s, e, pid, p) to ``out``. Returns -1 on error. */
static int
shape_consider(PyObject *out, Py_ssize_t pid, Py_ssize_t s, Py_ssize_t e, Py_ssize_t p, Py_UCS4 t, int dkind,
               const void *ddata, const Patterns *pats, const Py_buffer *kbuf, const Py_buffer *fbuf)
{
    Py_ssize_t p0, k;
    if (pid < 0 || pid >= pats->n || pid >= kbuf->len) {
        PyErr_SetString(PyExc_IndexError, "pattern id out of range");
        return -1;
    }
    if (((const uint8_t *)kbuf->buf)[pid] != KIND_TERM || pid >= fbuf->len
        || !(((const uint8_t *)fbuf->buf)[pid] & FLAG_SHAPE))
        return 0;
    p0 = pid ? (Py_ssize_t)pats->ends[pid - 1] : 0;
    if (p0 > (Py_ssize_t)pats->ends[pid] || (Py_ssize_t)pats->ends[pid] > pats->len) {
        PyErr_SetString(PyExc_ValueError, "pattern ends out of order");
        return -1;
    }
    if ((Py_ssize_t)pats->ends[pid] - p0 != e - s)
        return 0;
    for (k = s; k < e; k++)
        if ((k == p ? t : PyUnicode_READ(dkind, ddata, k)) != PyUnicode_READ(pats->kind, pats->data, p0 + k - s))
            return 0;
    return append_new(out, Py_BuildValue("(nnnn)", s, e, pid, p));
}

#define SHAPE_END 0x110000u  /* (no character: after the last one of a pattern) */

/* Tags of shape_filter's pairs: (character before, t) anywhere, (t, character after) where t is first;
 * SHAPE_AT + j: (character before, t) where t is the pattern's character j. */
#define SHAPE_BEFORE 0
#define SHAPE_FIRST 1
#define SHAPE_AT 2

/* The bit of shape_filter for the pair (``a``, ``b``) with ``tag``. */
static inline uint64_t
shape_bit(Py_UCS4 a, Py_UCS4 b, Py_ssize_t tag, uint64_t mask)
{
    uint64_t key = ((uint64_t)a << 40) | ((uint64_t)b << 16) | ((uint64_t)tag & 0xFFFF);
    return ((key * 0x9E3779B97F4A7C15ull) >> 29) & mask;
}

static inline int
shape_has(const uint8_t *bits, uint64_t mask, Py_UCS4 a, Py_UCS4 b, Py_ssize_t tag)
{
    uint64_t h = shape_bit(a, b, tag, mask);
    return (bits[h >> 3] >> (h & 7)) & 1;
}

static PyObject *
shape_filter(PyObject *self, PyObject *args)
{
    PyObject *pat_text, *pat_ends, *kinds, *flags, *targets, *out = NULL;
    Py_buffer ebuf, kbuf, fbuf;
    Py_ssize_t n, pid, j, count = 0, nbytes = 8;
    int tkind, pass;
    const void *tdata;
    const uint32_t *ends;
    uint8_t *is_target = NULL, *bits = NULL;
    uint64_t mask = 0;

    if (!PyArg_ParseTuple(args, "UOOOU:shape_filter", &pat_text, &pat_ends, &kinds, &flags, &targets))
        return NULL;
    if (PyObject_GetBuffer(pat_ends, &ebuf, PyBUF_FORMAT) < 0)
        return NULL;
    if (PyObject_GetBuffer(kinds, &kbuf, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&ebuf);
        return NULL;
    }
    if (PyObject_GetBuffer(flags, &fbuf, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&kbuf);
        PyBuffer_Release(&ebuf);
        return NULL;
    }
    n = ebuf.len / 4;
    if (ebuf.itemsize != 4 || ebuf.format == NULL || strcmp(ebuf.format, "I") != 0 || kbuf.len < n || fbuf.len < n) {
        PyErr_SetString(PyExc_ValueError, "pattern ends an array('I'), a kind and a flag byte per pattern");
        goto done;
    }
    ends = (const uint32_t *)ebuf.buf;
    tkind = PyUnicode_KIND(pat_text);
    tdata = PyUnicode_DATA(pat_text);
    is_target = PyMem_Calloc(N_CODES, 1);
    if (is_target == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (j = 0; j < PyUnicode_GET_LENGTH(targets); j++) {
        Py_UCS4 t = PyUnicode_READ_CHAR(targets, j);
        if (t < N_CODES)
            is_target[t] = 1;
    }
    for (pass = 0; pass < 2; pass++) {  /* count, then set the bits */
        Py_ssize_t p0 = 0;
        for (pid = 0; pid < n; pid++) {
            Py_ssize_t p1 = (Py_ssize_t)ends[pid], m = p1 - p0;
            if (p1 < p0 || p1 > PyUnicode_GET_LENGTH(pat_text)) {
                PyErr_SetString(PyExc_ValueError, "pattern ends out of order");
                goto done;
            }
            if (((const uint8_t *)kbuf.buf)[pid] == KIND_TERM && (((const uint8_t *)fbuf.buf)[pid] & FLAG_SHAPE)) {
                for (j = 0; j < m; j++) {
                    Py_UCS4 t = PyUnicode_READ(tkind, tdata, p0 + j);
                    uint64_t h;
                    if (t >= N_CODES || !is_target[t])
                        continue;
                    if (!pass) {
                        count++;
                        continue;
                    }
                    if (j) {
                        Py_UCS4 before = PyUnicode_READ(tkind, tdata, p0 + j - 1);
                        h = shape_bit(before, t, SHAPE_BEFORE, mask);
                        bits[h >> 3] |= (uint8_t)(1u << (h & 7));
                        h = shape_bit(before, t, SHAPE_AT + j, mask);
                    } else {
                        h = shape_bit(t, m > 1 ? PyUnicode_READ(tkind, tdata, p0 + 1) : SHAPE_END, SHAPE_FIRST, mask);
                    }
                    bits[h >> 3] |= (uint8_t)(1u << (h & 7));
                }
            }
            p0 = p1;
        }
        if (!pass) {
            while (nbytes < 4 * count && nbytes < ((Py_ssize_t)1 << 30))
                nbytes <<= 1;  /* (at least 16 bits per pair: two a character) */
            out = PyBytes_FromStringAndSize(NULL, nbytes);
            if (out == NULL)
                goto done;
            bits = (uint8_t *)PyBytes_AS_STRING(out);
            memset(bits, 0, (size_t)nbytes);
            mask = (uint64_t)nbytes * 8 - 1;
        }
    }
done:
    if (PyErr_Occurred())
        Py_CLEAR(out);
    PyMem_Free(is_target);
    PyBuffer_Release(&fbuf);
    PyBuffer_Release(&kbuf);
    PyBuffer_Release(&ebuf);
    return out;
}

/* Whether shape_outputs may start a walk at ``s`` (``s <= p``) for the alike at ``p`` read as ``t``: at p
 * when t starts a pattern followed by the character after p (or alone), before p when the character
 * before p stands before t at its place p - s in a pattern. ``s`` < 0: whether any start may do. */
static inline int
shape_start(int dkind, const void *ddata, Py_ssize_t dlen, Py_ssize_t p, Py_ssize_t s, Py_UCS4 t,
            const uint8_t *filter, uint64_t fmask)
{
    Py_UCS4 before;
    if (s == p || s < 0) {
        if (shape_has(filter, fmask, t, SHAPE_END, SHAPE_FIRST)
            || (p + 1 < dlen && shape_has(filter, fmask, t, PyUnicode_READ(dkind, ddata, p + 1), SHAPE_FIRST)))
            return 1;
        if (s == p)
            return 0;
    }
    if (p == 0)
        return 0;
    before = PyUnicode_READ(dkind, ddata, p - 1);
    return shape_has(filter, fmask, before, t, SHAPE_BEFORE)
           && (s < 0 || shape_has(filter, fmask, before, t, SHAPE_AT + (p - s)));
}

/* The targets of the character at ``p`` (a str), NULL when it has none; -1 in *err on bad tables. */
static inline PyObject *
shape_targets_at(Py_UCS4 x, const uint16_t *src, PyObject *targets, int *err)
{
    PyObject *alikes;
    if (x >= N_CODES || src[x] == 0)
        return NULL;
    if (src[x] > PyTuple_GET_SIZE(targets) || !PyUnicode_Check(alikes = PyTuple_GET_ITEM(targets, src[x] - 1))) {
        PyErr_SetString(PyExc_ValueError, "sources must index targets, a tuple of str");
        *err = -1;
        return NULL;
    }
    return alikes;
}

/* The buffers of a dense walk's tables (class codes, pattern ends, kinds, flags), held together. */
typedef struct {
    Py_buffer cbuf, ebuf, kbuf, fbuf;
} PatternBuffers;

/* Take ``b``'s buffers and point ``pats`` at the pattern texts and ends (an array('I')), for dense_outputs and
 * shape_outputs; release with pattern_buffers_release. Returns -1 with an exception set and nothing held. */
static int
pattern_buffers_take(PyObject *codes, PyObject *pat_text, PyObject *pat_ends, PyObject *kinds, PyObject *flags,
                     PatternBuffers *b, Patterns *pats)
{
    if (read_codes(codes, &b->cbuf) < 0)
        return -1;
    if (PyObject_GetBuffer(pat_ends, &b->ebuf, PyBUF_FORMAT) < 0)
        goto no_ends;
    if (b->ebuf.itemsize != 4 || b->ebuf.format == NULL || strcmp(b->ebuf.format, "I") != 0) {
        PyErr_SetString(PyExc_TypeError, "pattern ends must be an array('I')");
        goto no_kinds;
    }
    if (PyObject_GetBuffer(kinds, &b->kbuf, PyBUF_SIMPLE) < 0)
        goto no_kinds;
    if (PyObject_GetBuffer(flags, &b->fbuf, PyBUF_SIMPLE) < 0)
        goto no_flags;
    pats->kind = PyUnicode_KIND(pat_text);
    pats->data = PyUnicode_DATA(pat_text);
    pats->len = PyUnicode_GET_LENGTH(pat_text);
    pats->ends = (const uint32_t *)b->ebuf.buf;
    pats->n = b->ebuf.len / 4;
    return 0;
no_flags:
    PyBuffer_Release(&b->kbuf);
no_kinds:
    PyBuffer_Release(&b->ebuf);
no_ends:
    PyBuffer_Release(&b->cbuf);
    return -1;
}

static void
pattern_buffers_release(PatternBuffers *b)
{
    PyBuffer_Release(&b->fbuf);
    PyBuffer_Release(&b->kbuf);
    PyBuffer_Release(&b->ebuf);
    PyBuffer_Release(&b->cbuf);
}

static PyObject *shape_outputs_of(PyObject *automaton, PyObject *dense, PyObject *codes, int shift, PyObject *pat_text,
                                  PyObject *pat_ends, PyObject *kinds, PyObject *flags, PyObject *groups,
                                  const char *srcbytes, Py_ssize_t nsrc, PyObject *targets, Py_ssize_t reach,
                                  const uint8_t *filter, Py_ssize_t nfilter, PyObject *index);

static PyObject *
shape_outputs(PyObject *self, PyObject *args)
{
    PyObject *automaton, *dense, *codes, *pat_text, *pat_ends, *kinds, *flags, *groups, *targets, *index = NULL;
    int shift;
    Py_ssize_t reach, nfilter, nsrc;
    const uint8_t *filter;
    const char *srcbytes;

    if (!PyArg_ParseTuple(args, "OUOiUOOOO!y#O!ny#|S:shape_outputs", &automaton, &dense, &codes, &shift, &pat_text,
                          &pat_ends, &kinds, &flags, &PyList_Type, &groups, &srcbytes, &nsrc, &PyTuple_Type, &targets,
                          &reach, &filter, &nfilter, &index))
        return NULL;
    return shape_outputs_of(automaton, dense, codes, shift, pat_text, pat_ends, kinds, flags, groups, srcbytes, nsrc,
                            targets, reach, filter, nfilter, index);
}

/* shape_outputs with the view last (what a matcher binds once: functools.partial of all but the view). */
static PyObject *
shape_walk(PyObject *self, PyObject *args)
{
    PyObject *automaton, *dense, *codes, *pat_text, *pat_ends, *kinds, *flags, *groups, *targets, *index;
    int shift;
    Py_ssize_t reach, nfilter, nsrc;
    const uint8_t *filter;
    const char *srcbytes;

    if (!PyArg_ParseTuple(args, "OOiUOOOO!y#O!ny#SU:shape_walk", &automaton, &codes, &shift, &pat_text,
                          &pat_ends, &kinds, &flags, &PyList_Type, &groups, &srcbytes, &nsrc, &PyTuple_Type, &targets,
                          &reach, &filter, &nfilter, &index, &dense))
        return NULL;
    return shape_outputs_of(automaton, dense, codes, shift, pat_text, pat_ends, kinds, flags, groups, srcbytes, nsrc,
                            targets, reach, filter, nfilter, index);
}

static PyObject *
shape_outputs_of(PyObject *automaton, PyObject *dense, PyObject *codes, int shift, PyObject *pat_text,
                 PyObject *pat_ends, PyObject *kinds, PyObject *flags, PyObject *groups, const char *srcbytes,
                 Py_ssize_t nsrc, PyObject *targets, Py_ssize_t reach, const uint8_t *filter, Py_ssize_t nfilter,
                 PyObject *index)
{
    PyObject *out = NULL;
    const TrieIndex *ix = NULL;
    int dkind, err = 0, any = 0;
    Py_ssize_t dlen, p;
    PatternBuffers pb;
    uint64_t fmask;
    Patterns pats;
    const void *ddata;
    const uint8_t *cd;
    const uint16_t *src;
    const AhoAutomaton *trie;

    if (nfilter < 8 || (nfilter & (nfilter - 1)) != 0 || nsrc != N_CODES * 2) {
        PyErr_SetString(PyExc_ValueError, "sources must hold 65536 uint16 values, filter be shape_filter of the patterns");
        return NULL;
    }
    fmask = (uint64_t)nfilter * 8 - 1;
    src = (const uint16_t *)srcbytes;
    trie = aho_trie(automaton);
    if (trie == NULL)
        Py_RETURN_NONE;
    const int version = trie->version;
    if (index != NULL && PyBytes_GET_SIZE(index) != 0) {  /* (bytes: immutable, held by the arguments) */
        ix = (const TrieIndex *)PyBytes_AS_STRING(index);
        if (PyBytes_GET_SIZE(index) != (Py_ssize_t)sizeof(TrieIndex) || !shift || ix->root != trie->root
            || ix->version != trie->version) {
            PyErr_SetString(PyExc_ValueError, "index must be trie_index of the automaton");
            return NULL;
        }
    }
    dkind = PyUnicode_KIND(dense);
    ddata = PyUnicode_DATA(dense);
    dlen = PyUnicode_GET_LENGTH(dense);
    /* most texts have no start at all: answered before the pattern tables are read */
    for (p = 0; p < dlen && !any; p++) {
        PyObject *alikes = shape_targets_at(PyUnicode_READ(dkind, ddata, p), src, targets, &err);
        Py_ssize_t j;
        if (err)
            return NULL;
        for (j = 0; alikes != NULL && j < PyUnicode_GET_LENGTH(alikes) && !any; j++)
            any = shape_start(dkind, ddata, dlen, p, -1, PyUnicode_READ_CHAR(alikes, j), filter, fmask);
    }
    if (!any)
        return PyList_New(0);
    if (pattern_buffers_take(codes, pat_text, pat_ends, kinds, flags, &pb, &pats) < 0)
        return NULL;
    cd = (const uint8_t *)pb.cbuf.buf;
    out = PyList_New(0);
    if (out == NULL)
        goto done;
    for (p = 0; p < dlen; p++) {
        PyObject *alikes = shape_targets_at(PyUnicode_READ(dkind, ddata, p), src, targets, &err);
        Py_ssize_t j;
        if (err)
            goto fail;
        for (j = 0; alikes != NULL && j < PyUnicode_GET_LENGTH(alikes); j++) {
            Py_UCS4 t = PyUnicode_READ_CHAR(alikes, j);
            Py_ssize_t s;
            if (!shape_start(dkind, ddata, dlen, p, -1, t, filter, fmask))
                continue;
            for (s = p - reach + 1 > 0 ? p - reach + 1 : 0; s <= p; s++) {
                const AhoNode *node = trie->root;
                Py_ssize_t i;
                if (!shape_start(dkind, ddata, dlen, p, s, t, filter, fmask))
                    continue;
                for (i = s; i < dlen && i - s < reach && node != NULL; i++) {
                    uint32_t units[4];
                    int k = 0, nu = class_letters(class_of(cd, i == p ? t : PyUnicode_READ(dkind, ddata, i)), shift, units);
                    if (ix != NULL && i == s) {  /* the first character through the index's tables */
                        node = ix->second[units[0]][units[1]];
                        k = 2;
                    }
                    for (; k < nu && node != NULL; k++)
                        node = aho_child(node, units[k]);
                    if (node == NULL || i < p || !node->eow)
                        continue;
                    {
                        long val = (long)(int)node->output.integer;
                        if (val >= 0) {
                            if (shape_consider(out, val, s, i + 1, p, t, dkind, ddata, &pats, &pb.kbuf, &pb.fbuf) < 0)
                                goto fail;
                        } else {
                            Py_ssize_t g = -(Py_ssize_t)val - 1, m;
                            PyObject *group;
                            if (g >= PyList_GET_SIZE(groups) || !PyTuple_Check(group = PyList_GET_ITEM(groups, g))) {
                                PyErr_SetString(PyExc_IndexError, "group out of range");
                                goto fail;
                            }
                            for (m = 0; m < PyTuple_GET_SIZE(group); m++) {
                                Py_ssize_t pid = PyLong_AsSsize_t(PyTuple_GET_ITEM(group, m));
                                if ((pid == -1 && PyErr_Occurred())
                                    || shape_consider(out, pid, s, i + 1, p, t, dkind, ddata, &pats, &pb.kbuf, &pb.fbuf) < 0)
                                    goto fail;
                            }
                        }
                    }
                    if (walk_interrupted(trie, version) < 0)
                        goto fail;
                }
            }
        }
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    pattern_buffers_release(&pb);
    return out;
}
static PyObject *outputs_of(PyObject *automaton, PyObject *dense, PyObject *codes, int shift, PyObject *pat_text,
                            PyObject *pat_ends, PyObject *kinds, PyObject *flags, PyObject *groups, int direct,
                            PyObject *index);

static PyObject *
dense_outputs(PyObject *self, PyObject *args)
{
    PyObject *automaton, *dense, *codes, *pat_text, *pat_ends, *kinds, *flags, *groups, *index = NULL;
    int shift, direct = 0;

    if (!PyArg_ParseTuple(args, "OUOiUOOOO!|pS:dense_outputs", &automaton, &dense, &codes, &shift,
                          &pat_text, &pat_ends, &kinds, &flags, &PyList_Type, &groups, &direct, &index))
        return NULL;
    return outputs_of(automaton, dense, codes, shift, pat_text, pat_ends, kinds, flags, groups, direct, index);
}

/* dense_outputs with the view last (what a matcher binds once: functools.partial of all but the view). */
static PyObject *
dense_walk(PyObject *self, PyObject *args)
{
    PyObject *automaton, *dense, *codes, *pat_text, *pat_ends, *kinds, *flags, *groups, *index;
    int shift, direct;

    if (!PyArg_ParseTuple(args, "OOiUOOOO!pSU:dense_walk", &automaton, &codes, &shift, &pat_text, &pat_ends,
                          &kinds, &flags, &PyList_Type, &groups, &direct, &index, &dense))
        return NULL;
    return outputs_of(automaton, dense, codes, shift, pat_text, pat_ends, kinds, flags, groups, direct, index);
}

static PyObject *
outputs_of(PyObject *automaton, PyObject *dense, PyObject *codes, int shift, PyObject *pat_text, PyObject *pat_ends,
           PyObject *kinds, PyObject *flags, PyObject *groups, int direct, PyObject *index)
{
    PyObject *encoded = NULL, *it = NULL, *item, *out = NULL;
    PatternBuffers pb;
    const TrieIndex *ix = NULL;
    Patterns pats;
    int dkind;
    const void *ddata;
    Py_ssize_t dlen;
    const AhoAutomaton *trie = NULL;

    if (index != NULL && PyBytes_GET_SIZE(index) != 0) {  /* (bytes: immutable, held by the arguments) */
        if (PyBytes_GET_SIZE(index) != (Py_ssize_t)sizeof(TrieIndex)) {
            PyErr_SetString(PyExc_ValueError, "index must be trie_index of the automaton");
            return NULL;
        }
        ix = (const TrieIndex *)PyBytes_AS_STRING(index);
    }
    if (pattern_buffers_take(codes, pat_text, pat_ends, kinds, flags, &pb, &pats) < 0)
        return NULL;
    dkind = PyUnicode_KIND(dense);
    ddata = PyUnicode_DATA(dense);
    dlen = PyUnicode_GET_LENGTH(dense);
    if (direct)
        trie = aho_trie(automaton);
    if (trie != NULL) {
        if (ix != NULL && (!shift || ix->root != trie->root || ix->version != trie->version)) {
            PyErr_SetString(PyExc_ValueError, "index must be trie_index of the automaton");
            goto fail;
        }
        out = PyList_New(0);
        if (out == NULL
            || walk_direct(out, trie, ix, (const uint8_t *)pb.cbuf.buf, shift, dlen, dkind, ddata, &pats, &pb.kbuf, &pb.fbuf,
                           groups) < 0)
            goto fail;
        goto done;
    }
    encoded = encode_view(dense, (const uint8_t *)pb.cbuf.buf, shift);
    if (encoded == NULL)
        goto fail;
    it = PyObject_CallMethod(automaton, "iter", "O", encoded);
    if (it == NULL)
        goto fail;
    out = PyList_New(0);
    if (out == NULL)
        goto fail;
    while ((item = PyIter_Next(it)) != NULL) {
        Py_ssize_t end_b;
        long val;
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            Py_DECREF(item);
            PyErr_SetString(PyExc_TypeError, "automaton outputs must be (end, value) pairs");
            goto fail;
        }
        end_b = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
        if (end_b == -1 && PyErr_Occurred()) {
            Py_DECREF(item);
            goto fail;
        }
        val = PyLong_AsLong(PyTuple_GET_ITEM(item, 1));
        Py_DECREF(item);
        if (val == -1 && PyErr_Occurred())
            goto fail;
        if (take_output(out, end_b, val, shift, dlen, dkind, ddata, &pats, &pb.kbuf, &pb.fbuf, groups) < 0)
            goto fail;
    }
    if (PyErr_Occurred())
        goto fail;
done:
    Py_XDECREF(it);
    Py_XDECREF(encoded);
    pattern_buffers_release(&pb);
    return out;
fail:
    Py_XDECREF(out);
    Py_XDECREF(it);
    Py_XDECREF(encoded);
    pattern_buffers_release(&pb);
    return NULL;
}

/* A dense or shape walk with everything but the view bound once (what a matcher makes per automaton): its
 * bound arguments are parsed when it is made, and a call takes the view alone through vectorcall, without the
 * argument tuple and the parse of a dozen arguments that functools.partial of dense_walk / shape_walk costs per
 * scan (about half a microsecond each, most of a short title's shape walk). Every pointer below is borrowed
 * from ``bound``, which the object holds (a tuple: its items cannot change). */
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int shape;
    PyObject *bound;
    PyObject *automaton, *codes, *pat_text, *pat_ends, *kinds, *flags, *groups, *index, *targets;
    int shift, direct;
    Py_ssize_t reach, nfilter, nsrc;
    const uint8_t *filter;
    const char *srcbytes;
} BoundWalk;

static PyObject *
bound_walk_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    const BoundWalk *w = (const BoundWalk *)self;
    if (PyVectorcall_NARGS(nargsf) != 1 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0)
        || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "a bound walk takes one argument, the view (a str)");
        return NULL;
    }
    if (w->shape)
        return shape_outputs_of(w->automaton, args[0], w->codes, w->shift, w->pat_text, w->pat_ends, w->kinds, w->flags,
                                w->groups, w->srcbytes, w->nsrc, w->targets, w->reach, w->filter, w->nfilter, w->index);
    return outputs_of(w->automaton, args[0], w->codes, w->shift, w->pat_text, w->pat_ends, w->kinds, w->flags,
                      w->groups, w->direct, w->index);
}

static void
bound_walk_dealloc(PyObject *self)
{
    Py_XDECREF(((BoundWalk *)self)->bound);
    Py_TYPE(self)->tp_free(self);
}

static PyTypeObject BoundWalkType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "plugin.matching.cloops.BoundWalk",
    .tp_doc = "A dense or shape walk with its tables bound (bind_walk): called with the view alone.",
    .tp_basicsize = sizeof(BoundWalk),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(BoundWalk, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_dealloc = bound_walk_dealloc,
};

/* bind_walk(shape, bound): dense_walk (shape false) or shape_walk (shape true) with ``bound``, the arguments
 * before the view, parsed now. */
static PyObject *
bind_walk(PyObject *self, PyObject *args)
{
    PyObject *bound;
    int shape;
    BoundWalk *w;

    if (!PyArg_ParseTuple(args, "pO!:bind_walk", &shape, &PyTuple_Type, &bound))
        return NULL;
    w = PyObject_New(BoundWalk, &BoundWalkType);
    if (w == NULL)
        return NULL;
    w->vectorcall = bound_walk_call;
    w->shape = shape;
    w->bound = NULL;
    w->index = w->targets = NULL;
    w->direct = 0;
    w->reach = w->nfilter = w->nsrc = 0;
    w->filter = NULL;
    w->srcbytes = NULL;
    if (shape ? !PyArg_ParseTuple(bound, "OOiUOOOO!y#O!ny#S:bind_walk", &w->automaton, &w->codes, &w->shift,
                                  &w->pat_text, &w->pat_ends, &w->kinds, &w->flags, &PyList_Type, &w->groups,
                                  &w->srcbytes, &w->nsrc, &PyTuple_Type, &w->targets, &w->reach, &w->filter,
                                  &w->nfilter, &w->index)
              : !PyArg_ParseTuple(bound, "OOiUOOOO!pS:bind_walk", &w->automaton, &w->codes, &w->shift, &w->pat_text,
                                  &w->pat_ends, &w->kinds, &w->flags, &PyList_Type, &w->groups, &w->direct,
                                  &w->index)) {
        Py_DECREF(w);
        return NULL;
    }
    Py_INCREF(bound);
    w->bound = bound;
    return (PyObject *)w;
}

static PyObject *
offset_table(PyObject *self, PyObject *args)
{
    PyObject *maps, *out = NULL;
    Py_ssize_t n, n_maps, m, i;
    int64_t *table;
    Py_ssize_t *pos = NULL;

    if (!PyArg_ParseTuple(args, "nO!:offset_table", &n, &PyList_Type, &maps))
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative length");
        return NULL;
    }
    if (n > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(int64_t))
        return PyErr_NoMemory();
    n_maps = PyList_GET_SIZE(maps);
    for (m = 0; m < n_maps; m++) {
        PyObject *pair = PyList_GET_ITEM(maps, m);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyList_Check(PyTuple_GET_ITEM(pair, 0))
            || !PyList_Check(PyTuple_GET_ITEM(pair, 1))
            || PyList_GET_SIZE(PyTuple_GET_ITEM(pair, 0)) != PyList_GET_SIZE(PyTuple_GET_ITEM(pair, 1))
            || (n > 0 && PyList_GET_SIZE(PyTuple_GET_ITEM(pair, 0)) == 0)) {
            PyErr_SetString(PyExc_TypeError, "maps must be (starts, starts) pairs of equal, non-empty lists");
            return NULL;
        }
    }
    out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int64_t));
    if (out == NULL)
        return NULL;
    table = (int64_t *)PyBytes_AS_STRING(out);
    pos = PyMem_Calloc((size_t)(n_maps ? n_maps : 1), sizeof(Py_ssize_t));
    if (pos == NULL) {
        Py_DECREF(out);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        int64_t v = i;
        for (m = 0; m < n_maps; m++) {
            PyObject *pair = PyList_GET_ITEM(maps, m);
            PyObject *dstart = PyTuple_GET_ITEM(pair, 0), *ostart = PyTuple_GET_ITEM(pair, 1);
            Py_ssize_t k = pos[m], runs = PyList_GET_SIZE(dstart);
            int64_t d0, o0;
            /* the last run starting at or before v (v only grows with i: the maps are monotonic) */
            while (k + 1 < runs) {
                int64_t next = PyLong_AsLongLong(PyList_GET_ITEM(dstart, k + 1));
                if (next == -1 && PyErr_Occurred())
                    goto fail;
                if (next > v)
                    break;
                k++;
            }
            pos[m] = k;
            d0 = PyLong_AsLongLong(PyList_GET_ITEM(dstart, k));
            o0 = PyLong_AsLongLong(PyList_GET_ITEM(ostart, k));
            if (PyErr_Occurred())
                goto fail;
            if (d0 > v) {
                PyErr_SetString(PyExc_ValueError, "a run map must start at 0");
                goto fail;
            }
            v = o0 + (v - d0);
        }
        table[i] = v;
    }
    PyMem_Free(pos);
    return out;
fail:
    PyMem_Free(pos);
    Py_DECREF(out);
    return NULL;
}

/* ---- the pinyin pass's walk of a window's readings through the automaton and the reading rows ---- */

typedef struct {
    PyObject *choices;     /* tuple of tuples of str: per piece, its readings (a copy of the caller's list) */
    Py_ssize_t n;
    PyObject *get, *match; /* the automaton's bound methods (not used when walking the trie directly) */
    const AhoAutomaton *trie; /* the automaton's trie, walked directly (NULL: through get and match) */
    int version;
    PyObject *groups;      /* list of tuples of pattern ids */
    const uint64_t *rows;
    Py_ssize_t n_rows;
    const uint32_t *prefixes;
    Py_ssize_t n_prefixes;
    int pid_bits;
    Py_UCS4 *buf;
    Py_ssize_t cap;
    PyObject *out;
} Walk;

static int
walk_found(Walk *w, Py_ssize_t p, Py_ssize_t q, PyObject *key, long pid, int hashed)
{
    return append_new(w->out, Py_BuildValue("(nnOlO)", p, q, key, pid, hashed ? Py_True : Py_False));
}

/* The patterns of automaton value ``v`` (a pattern id, or a negative group index) found for ``key``. */
static int
found_value(Walk *w, Py_ssize_t p, Py_ssize_t q, PyObject *key, long v)
{
    Py_ssize_t g, t;
    PyObject *group;
    if (v >= 0)
        return walk_found(w, p, q, key, v, 0);
    g = -(Py_ssize_t)v - 1;
    if (g >= PyList_GET_SIZE(w->groups)) {
        PyErr_SetString(PyExc_IndexError, "group out of range");
        return -1;
    }
    group = PyList_GET_ITEM(w->groups, g);
    if (!PyTuple_Check(group)) {
        PyErr_SetString(PyExc_TypeError, "groups must be tuples");
        return -1;
    }
    Py_INCREF(group);
    for (t = 0; t < PyTuple_GET_SIZE(group); t++) {
        long pid = PyLong_AsLong(PyTuple_GET_ITEM(group, t));
        if ((pid == -1 && PyErr_Occurred()) || walk_found(w, p, q, key, pid, 0) < 0) {
            Py_DECREF(group);
            return -1;
        }
    }
    Py_DECREF(group);
    return 0;
}

/* The reading rows whose hash is ``h`` (another reading of a polyphonic term), found for ``key``. */
static int
found_rows(Walk *w, Py_ssize_t p, Py_ssize_t q, PyObject *key, uint32_t h)
{
    uint64_t want = (uint64_t)h << w->pid_bits;
    Py_ssize_t lo = 0, hi = w->n_rows;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (w->rows[mid] < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < w->n_rows && (w->rows[lo] >> w->pid_bits) == h; lo++) {
        long pid = (long)(w->rows[lo] & (((uint64_t)1 << w->pid_bits) - 1));
        if (walk_found(w, p, q, key, pid, 1) < 0)
            return -1;
    }
    return 0;
}

/* Whether ``h`` is among the prefix hashes of the other readings. */
static int
in_prefixes(const Walk *w, uint32_t h)
{
    Py_ssize_t lo = 0, hi = w->n_prefixes;
    if (!w->n_prefixes)
        return 0;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (w->prefixes[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->n_prefixes && w->prefixes[lo] == h;
}

/* The keys that start at piece p and take in pieces p..q; the key so far is buf[0:len]. */
static int
walk_extend(Walk *w, Py_ssize_t p, Py_ssize_t q, Py_ssize_t len, int depth, const AhoNode *node)
{
    PyObject *readings = PyTuple_GET_ITEM(w->choices, q), *key = NULL;
    Py_ssize_t j, nr;

    if (depth > 4096) {
        PyErr_SetString(PyExc_RecursionError, "window too long");
        return -1;
    }
    if (!PyTuple_Check(readings)) {
        PyErr_SetString(PyExc_TypeError, "choices must be tuples of str");
        return -1;
    }
    nr = PyTuple_GET_SIZE(readings);
    for (j = 0; j < nr; j++) {
        PyObject *r = PyTuple_GET_ITEM(readings, j), *val;
        Py_ssize_t rlen, k, klen;
        uint32_t h = 0;
        int go_on = 0;
        if (!PyUnicode_Check(r)) {
            PyErr_SetString(PyExc_TypeError, "choices must be tuples of str");
            return -1;
        }
        rlen = PyUnicode_GET_LENGTH(r);
        klen = len + rlen;
        if (klen > w->cap) {
            Py_ssize_t cap = klen * 2 + 16;
            Py_UCS4 *nb = PyMem_Realloc(w->buf, sizeof(Py_UCS4) * (size_t)cap);
            if (nb == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            w->buf = nb;
            w->cap = cap;
        }
        for (k = 0; k < rlen; k++)
            w->buf[len + k] = PyUnicode_READ_CHAR(r, k);
        if (w->trie != NULL) {  /* get and match from the trie node of the key (children only, as trie_find) */
            const AhoNode *child = node;
            if (walk_interrupted(w->trie, w->version) < 0)
                return -1;
            for (k = 0; k < rlen && child != NULL; k++)
                child = aho_child(child, w->buf[len + k]);
            if ((child != NULL && child->eow) || w->n_rows) {
                key = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, w->buf, klen);
                if (key == NULL)
                    return -1;
            }
            if (child != NULL && child->eow) {
                if (found_value(w, p, q, key, (long)(int)child->output.integer) < 0)
                    goto fail;
            }
            if (w->n_rows) {
                h = crc_utf16be(w->buf, klen);
                if (found_rows(w, p, q, key, h) < 0)
                    goto fail;
            }
            if (q + 1 < w->n)
                go_on = child != NULL || in_prefixes(w, h);
            Py_CLEAR(key);
            if (go_on && walk_extend(w, p, q + 1, klen, depth + 1, child) < 0)
                return -1;
            continue;
        }
        key = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, w->buf, klen);
        if (key == NULL)
            return -1;
        val = PyObject_CallFunctionObjArgs(w->get, key, Py_None, NULL);
        if (val == NULL)
            goto fail;
        if (val != Py_None) {
            long v = PyLong_AsLong(val);
            Py_DECREF(val);
            if (v == -1 && PyErr_Occurred())
                goto fail;
            if (v >= 0) {
                if (walk_found(w, p, q, key, v, 0) < 0)
                    goto fail;
            } else {
                Py_ssize_t g = -(Py_ssize_t)v - 1, t;
                PyObject *group;
                if (g >= PyList_GET_SIZE(w->groups)) {
                    PyErr_SetString(PyExc_IndexError, "group out of range");
                    goto fail;
                }
                group = PyList_GET_ITEM(w->groups, g);
                if (!PyTuple_Check(group)) {
                    PyErr_SetString(PyExc_TypeError, "groups must be tuples");
                    goto fail;
                }
                Py_INCREF(group);
                for (t = 0; t < PyTuple_GET_SIZE(group); t++) {
                    long pid = PyLong_AsLong(PyTuple_GET_ITEM(group, t));
                    if ((pid == -1 && PyErr_Occurred()) || walk_found(w, p, q, key, pid, 0) < 0) {
                        Py_DECREF(group);
                        goto fail;
                    }
                }
                Py_DECREF(group);
            }
        } else {
            Py_DECREF(val);
        }
        if (w->n_rows) {  /* another reading of a polyphonic term (rows: hash above, pattern below) */
            h = crc_utf16be(w->buf, klen);
            if (found_rows(w, p, q, key, h) < 0)
                goto fail;
        }
        if (q + 1 < w->n) {
            PyObject *m = PyObject_CallOneArg(w->match, key);
            int truth;
            if (m == NULL)
                goto fail;
            truth = PyObject_IsTrue(m);
            Py_DECREF(m);
            if (truth < 0)
                goto fail;
            go_on = truth || in_prefixes(w, h);
        }
        Py_CLEAR(key);
        if (go_on && walk_extend(w, p, q + 1, klen, depth + 1, NULL) < 0)
            return -1;
    }
    return 0;
fail:
    Py_XDECREF(key);
    return -1;
}

static PyObject *
window_keys(PyObject *self, PyObject *args)
{
    PyObject *choices, *automaton, *groups, *rows_obj, *prefixes_obj;
    Py_ssize_t last_word, p;
    int pid_bits, direct = 0;
    Py_buffer rows, prefixes;
    Walk w;

    if (!PyArg_ParseTuple(args, "O!nOO!OOi|p:window_keys", &PyList_Type, &choices, &last_word, &automaton,
                          &PyList_Type, &groups, &rows_obj, &prefixes_obj, &pid_bits, &direct))
        return NULL;
    if (pid_bits < 1 || pid_bits > 32) {
        PyErr_SetString(PyExc_ValueError, "pid_bits must be 1-32");
        return NULL;
    }
    if (PyObject_GetBuffer(rows_obj, &rows, PyBUF_FORMAT) < 0)
        return NULL;
    if (rows.itemsize != 8 || rows.format == NULL || strcmp(rows.format, "Q") != 0) {
        PyBuffer_Release(&rows);
        PyErr_SetString(PyExc_TypeError, "rows must be an array('Q')");
        return NULL;
    }
    if (PyObject_GetBuffer(prefixes_obj, &prefixes, PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&rows);
        return NULL;
    }
    if (prefixes.itemsize != 4 || prefixes.format == NULL || strcmp(prefixes.format, "I") != 0) {
        PyBuffer_Release(&prefixes);
        PyBuffer_Release(&rows);
        PyErr_SetString(PyExc_TypeError, "prefixes must be an array('I')");
        return NULL;
    }
    memset(&w, 0, sizeof w);
    /* walked as a tuple of its own: a callback of the automaton that changed the caller's list cannot
       free a piece's readings in the middle of the walk */
    w.choices = PyList_AsTuple(choices);
    if (w.choices == NULL) {
        PyBuffer_Release(&prefixes);
        PyBuffer_Release(&rows);
        return NULL;
    }
    w.n = PyTuple_GET_SIZE(w.choices);
    w.groups = groups;
    w.rows = (const uint64_t *)rows.buf;
    w.n_rows = rows.len / 8;
    w.prefixes = (const uint32_t *)prefixes.buf;
    w.n_prefixes = prefixes.len / 4;
    w.pid_bits = pid_bits;
    w.trie = direct ? aho_trie(automaton) : NULL;
    if (w.trie != NULL) {
        w.version = w.trie->version;
        w.out = PyList_New(0);
    } else {
        w.get = PyObject_GetAttrString(automaton, "get");
        w.match = w.get ? PyObject_GetAttrString(automaton, "match") : NULL;
        w.out = w.match ? PyList_New(0) : NULL;
    }
    if (last_word > w.n)
        last_word = w.n;
    Py_INCREF(automaton);  /* (its trie is read while rows are appended) */
    Py_INCREF(groups);
    for (p = 0; w.out != NULL && p < last_word; p++) {
        if (walk_extend(&w, p, p, 0, 0, w.trie != NULL ? w.trie->root : NULL) < 0)
            Py_CLEAR(w.out);
    }
    Py_DECREF(automaton);
    Py_DECREF(groups);
    Py_DECREF(w.choices);
    PyMem_Free(w.buf);
    Py_XDECREF(w.get);
    Py_XDECREF(w.match);
    PyBuffer_Release(&prefixes);
    PyBuffer_Release(&rows);
    return w.out;
}

static PyObject *
release_free_memory(PyObject *self, PyObject *unused)
{
#ifdef __GLIBC__
    int freed;
    Py_BEGIN_ALLOW_THREADS
    freed = malloc_trim(0);
    Py_END_ALLOW_THREADS
    if (freed)
        Py_RETURN_TRUE;
#endif
    Py_RETURN_FALSE;
}

/* ---- the text's first dense view and the passes a dense view needs ---- */

#define FOLD_DELETED 1
#define FOLD_BREAK 2
#define FOLD_HAN_REPEAT 4
#define DELETED_CP 0xFFFFFFFFu
#define BREAK_CP 0

static inline int
is_han_cp(Py_UCS4 c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/* A code point beyond the BMP through the astral table (``astral``: int -> str | None; missing: kept).
 * Returns 0 (``*out`` set, DELETED_CP for a deletion), 1 when the table gives more than one character
 * (the caller's general path), -1 on error. */
static int
fold_astral(PyObject *astral, Py_UCS4 cp, uint32_t *out)
{
    PyObject *key = PyLong_FromUnsignedLong(cp), *v;
    if (key == NULL)
        return -1;
    v = PyDict_GetItemWithError(astral, key);
    Py_DECREF(key);
    if (v == NULL) {
        if (PyErr_Occurred())
            return -1;
        *out = cp;
        return 0;
    }
    if (v == Py_None) {
        *out = DELETED_CP;
        return 0;
    }
    if (!PyUnicode_Check(v) || PyUnicode_GET_LENGTH(v) != 1)
        return 1;
    *out = PyUnicode_READ_CHAR(v, 0);
    return 0;
}

static PyObject *
dense_fold(PyObject *self, PyObject *args)
{
    PyObject *text, *table, *astral, *out = NULL;
    Py_buffer tbuf;
    const uint32_t *map;
    uint32_t *folded = NULL;
    Py_ssize_t n, i, kept = 0;
    int kind, flags = 0, r;
    const void *data;
    Py_UCS4 maxchar = 0;
    uint32_t prev = DELETED_CP;

    if (!PyArg_ParseTuple(args, "UOO!:dense_fold", &text, &table, &PyDict_Type, &astral))
        return NULL;
    if (read_fold_table(table, &tbuf) < 0)
        return NULL;
    map = (const uint32_t *)tbuf.buf;
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    folded = PyMem_Malloc(sizeof(uint32_t) * (size_t)(n ? n : 1));
    if (folded == NULL) {
        PyBuffer_Release(&tbuf);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        uint32_t f = c < N_CODES ? map[c] : c;
        /* as str.translate with the BMP list, then (where the result is beyond the BMP) with the astral
         * table: a character beyond the BMP goes through the astral table once, whichever step made it */
        if (f != DELETED_CP && f >= N_CODES) {
            r = fold_astral(astral, f, &f);
            if (r < 0)
                goto done;
            if (r > 0) {  /* more than one character: the general path */
                PyMem_Free(folded);
                PyBuffer_Release(&tbuf);
                Py_RETURN_NONE;
            }
        }
        if (f == DELETED_CP) {
            flags |= FOLD_DELETED;
            continue;
        }
        if (f == BREAK_CP)
            flags |= FOLD_BREAK;
        else if (f == prev && is_han_cp(f))
            flags |= FOLD_HAN_REPEAT;
        if (f > maxchar)
            maxchar = f;
        prev = f;
        folded[kept++] = f;
    }
    if (maxchar > 0x10FFFF) {
        PyErr_SetString(PyExc_ValueError, "table value beyond Unicode");
        goto done;
    }
    out = PyUnicode_New(kept, maxchar);
    if (out != NULL) {
        int okind = PyUnicode_KIND(out);
        void *odata = PyUnicode_DATA(out);
        for (i = 0; i < kept; i++)
            PyUnicode_WRITE(okind, odata, i, (Py_UCS4)folded[i]);
    }
done:
    PyMem_Free(folded);
    PyBuffer_Release(&tbuf);
    if (out == NULL)
        return NULL;
    return Py_BuildValue("(Ni)", out, flags);
}

#define KIND_LETTER 1
#define KIND_PAIR_CJK 2
#define KIND_PAIR_SEP 4
#define VIEW_LATIN_RUN 1
#define VIEW_LATIN_REPEAT 2
#define VIEW_SEPARATED 4
#define VIEW_ASTRAL 8

/* The offset in ``text`` of every character the dense tables keep (as dense_fold reads them), as native
 * int64 values; None when that is not ``n`` characters or some character becomes several. */
static PyObject *
kept_offsets(PyObject *self, PyObject *args)
{
    PyObject *text, *table, *astral, *out;
    Py_buffer tbuf;
    const uint32_t *map;
    int64_t *offs;
    Py_ssize_t n, len, i, kept = 0;
    int kind, r;
    const void *data;

    if (!PyArg_ParseTuple(args, "UOO!n:kept_offsets", &text, &table, &PyDict_Type, &astral, &n))
        return NULL;
    len = PyUnicode_GET_LENGTH(text);
    if (n < 0 || n > len)
        Py_RETURN_NONE;
    if (read_fold_table(table, &tbuf) < 0)
        return NULL;
    map = (const uint32_t *)tbuf.buf;
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)sizeof(int64_t) * n);
    if (out == NULL) {
        PyBuffer_Release(&tbuf);
        return NULL;
    }
    offs = (int64_t *)PyBytes_AS_STRING(out);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    for (i = 0; i < len; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        uint32_t f = c < N_CODES ? map[c] : c;
        if (f != DELETED_CP && f >= N_CODES) {  /* (as dense_fold) */
            r = fold_astral(astral, f, &f);
            if (r != 0) {
                PyBuffer_Release(&tbuf);
                Py_DECREF(out);
                if (r < 0)
                    return NULL;
                Py_RETURN_NONE;
            }
        }
        if (f == DELETED_CP)
            continue;
        if (kept == n) {
            kept++;
            break;
        }
        offs[kept++] = i;
    }
    PyBuffer_Release(&tbuf);
    if (kept != n) {
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    return out;
}

/* text_kinds(text, kinds): ``text`` as one kind letter per character, ``kinds[cp]`` (65,536 ASCII bytes) for a
 * BMP character and "0" beyond it (chardata.text_kinds: str.translate with a list of 65,536 one-letter strings,
 * which looks each character up as an object: a 1 MB text's kind string took about 15 ms that way). */
static PyObject *
text_kinds(PyObject *self, PyObject *args)
{
    PyObject *text, *out;
    const uint8_t *kinds;
    Py_ssize_t n, i, nk;
    int kind;
    const void *data;
    Py_UCS1 *dst;

    if (!PyArg_ParseTuple(args, "Uy#:text_kinds", &text, &kinds, &nk))
        return NULL;
    if (nk != N_CODES) {
        PyErr_SetString(PyExc_ValueError, "kinds must hold 65536 bytes");
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    out = PyUnicode_New(n, 127);
    if (out == NULL)
        return NULL;
    dst = PyUnicode_1BYTE_DATA(out);
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        uint8_t k = c < N_CODES ? kinds[c] : '0';
        if (k > 127) {
            Py_DECREF(out);
            PyErr_SetString(PyExc_ValueError, "kinds must be ASCII letters");
            return NULL;
        }
        dst[i] = k;
    }
    return out;
}

static PyObject *
view_flags(PyObject *self, PyObject *args)
{
    PyObject *view, *table;
    Py_buffer tbuf;
    const uint8_t *kinds;
    Py_ssize_t n, i;
    int kind, flags = 0;
    const void *data;
    Py_UCS4 prev = 0;
    uint8_t k1 = 0, k2 = 0;  /* the kinds of the previous character and the one before it */

    if (!PyArg_ParseTuple(args, "UO:view_flags", &view, &table))
        return NULL;
    if (PyObject_GetBuffer(table, &tbuf, PyBUF_SIMPLE) < 0)
        return NULL;
    if (tbuf.len != N_CODES) {
        PyBuffer_Release(&tbuf);
        PyErr_SetString(PyExc_ValueError, "kinds must hold 65536 bytes");
        return NULL;
    }
    kinds = (const uint8_t *)tbuf.buf;
    n = PyUnicode_GET_LENGTH(view);
    kind = PyUnicode_KIND(view);
    data = PyUnicode_DATA(view);
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        uint8_t k;
        if (c >= N_CODES) {
            flags |= VIEW_ASTRAL;
            c = 0xFFFD;  /* read as the scanned view writes it */
        }
        k = kinds[c];
        if ((k & KIND_LETTER) && (k1 & KIND_LETTER)) {
            flags |= VIEW_LATIN_RUN;
            if (c == prev)
                flags |= VIEW_LATIN_REPEAT;
        }
        if ((k & KIND_PAIR_CJK) && (k1 & KIND_PAIR_SEP) && (k2 & KIND_PAIR_CJK))
            flags |= VIEW_SEPARATED;
        k2 = k1;
        k1 = k;
        prev = c;
    }
    PyBuffer_Release(&tbuf);
    return PyLong_FromLong(flags);
}

/* ---- equal neighbours and kept runs (plugin.normalize, long texts) ---- */

/* Every offset i >= 1 where ``text[i] == text[i - 1]``, in order (a list of int). */
static PyObject *
equal_neighbours(PyObject *self, PyObject *args)
{
    PyObject *text, *out;
    Py_ssize_t n, i;
    int kind;
    const void *data;

    if (!PyArg_ParseTuple(args, "U:equal_neighbours", &text))
        return NULL;
    out = PyList_New(0);
    if (out == NULL)
        return NULL;
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    for (i = 1; i < n; i++)
        if (PyUnicode_READ(kind, data, i) == PyUnicode_READ(kind, data, i - 1)
            && append_new(out, PyLong_FromSsize_t(i)) < 0) {
            Py_DECREF(out);
            return NULL;
        }
    return out;
}

/* The runs of characters other than ``mark`` (one character) in ``marked``: (dstart, ostart), two lists of
 * int, where run k starts in ``marked`` with the marks taken out and in ``marked`` itself. */
static PyObject *
kept_runs(PyObject *self, PyObject *args)
{
    PyObject *marked, *mark, *dstart = NULL, *ostart = NULL;
    Py_ssize_t n, i, d = 0;
    int kind, in_run = 0;
    const void *data;
    Py_UCS4 m;

    if (!PyArg_ParseTuple(args, "UU:kept_runs", &marked, &mark))
        return NULL;
    if (PyUnicode_GET_LENGTH(mark) != 1) {
        PyErr_SetString(PyExc_ValueError, "kept_runs: the mark must be one character");
        return NULL;
    }
    m = PyUnicode_READ_CHAR(mark, 0);
    dstart = PyList_New(0);
    ostart = PyList_New(0);
    if (dstart == NULL || ostart == NULL)
        goto fail;
    n = PyUnicode_GET_LENGTH(marked);
    kind = PyUnicode_KIND(marked);
    data = PyUnicode_DATA(marked);
    for (i = 0; i < n; i++) {
        if (PyUnicode_READ(kind, data, i) == m) {
            in_run = 0;
            continue;
        }
        if (!in_run) {
            if (append_new(dstart, PyLong_FromSsize_t(d)) < 0 || append_new(ostart, PyLong_FromSsize_t(i)) < 0)
                goto fail;
            in_run = 1;
        }
        d++;
    }
    return Py_BuildValue("(NN)", dstart, ostart);
fail:
    Py_XDECREF(dstart);
    Py_XDECREF(ostart);
    return NULL;
}

/* ---- records built without __init__ ---- */

static PyObject *
slot_object(PyObject *self, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *values, *obj;
    PyMemberDef *mp;
    Py_ssize_t n, i;
    const unsigned char *order;
    Py_ssize_t n_order;

    if (!PyArg_ParseTuple(args, "O!y#O!:slot_object", &PyType_Type, &cls, &order, &n_order, &PyTuple_Type, &values))
        return NULL;
    n = PyTuple_GET_SIZE(values);
    if (n_order != n) {
        PyErr_SetString(PyExc_ValueError, "slot_object: one order index per value");
        return NULL;
    }
    for (i = 0; i < n; i++)
        if (order[i] >= n) {
            PyErr_SetString(PyExc_ValueError, "slot_object: order index out of range");
            return NULL;
        }
    mp = cls->tp_members;
    if (!(cls->tp_flags & Py_TPFLAGS_HEAPTYPE) || cls->tp_base != &PyBaseObject_Type || mp == NULL
        || cls->tp_dictoffset != 0 || cls->tp_weaklistoffset != 0 || cls->tp_itemsize != 0) {
        PyErr_SetString(PyExc_TypeError, "slot_object needs a class of plain __slots__ derived from object");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (mp[i].name == NULL || mp[i].type != T_OBJECT_EX || (mp[i].flags & READONLY)
            || mp[i].offset < (Py_ssize_t)sizeof(PyObject)
            || mp[i].offset + (Py_ssize_t)sizeof(PyObject *) > cls->tp_basicsize) {
            PyErr_SetString(PyExc_TypeError, "slot_object: values do not match the class's slots");
            return NULL;
        }
    }
    if (mp[n].name != NULL) {
        PyErr_SetString(PyExc_TypeError, "slot_object: values do not match the class's slots");
        return NULL;
    }
    obj = cls->tp_alloc(cls, 0);
    if (obj == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *v = PyTuple_GET_ITEM(values, order[i]);
        Py_INCREF(v);
        *(PyObject **)((char *)obj + mp[i].offset) = v;
    }
    return obj;
}

static PyMethodDef methods[] = {
    {"offset_table", offset_table, METH_VARARGS, "Original offset of every dense position through run maps (plugin.normalize)."},
    {"release_free_memory", release_free_memory, METH_NOARGS, "Free heap pages back to the system (glibc malloc_trim)."},
    {"encode_classes", encode_classes, METH_VARARGS, "A view written in homophone classes (see plugin.matching.native)."},
    {"dense_outputs", dense_outputs, METH_VARARGS, "The automaton outputs the dense pass could keep (see plugin.matching.native)."},
    {"shape_outputs", shape_outputs, METH_VARARGS, "Shape-alike spellings of another class verified on the term keys (see plugin.matching.native)."},
    {"shape_walk", shape_walk, METH_VARARGS, "shape_outputs with the view last (bound once per matcher)."},
    {"shape_filter", shape_filter, METH_VARARGS, "The character pairs shape_outputs looks for (see plugin.matching.native)."},
    {"kept_offsets", kept_offsets, METH_VARARGS, "The offset of every character the dense tables keep (plugin.normalize)."},
    {"dense_walk", dense_walk, METH_VARARGS, "dense_outputs with the view last (bound once per matcher)."},
    {"bind_walk", bind_walk, METH_VARARGS, "dense_walk (shape false) or shape_walk with all but the view bound and parsed once."},
    {"trie_index", trie_index, METH_VARARGS, "Direct child tables of a byte-letter trie's first two levels (dense_outputs)."},
    {"trie_outputs", trie_outputs, METH_VARARGS, "pyahocorasick's iter outputs, walked over its trie directly (None: another layout)."},
    {"dense_fold", dense_fold, METH_VARARGS, "A text's first dense view and what it holds (see plugin.matching.native)."},
    {"window_keys", window_keys, METH_VARARGS, "The pinyin pass's keys of one window (see plugin.matching.native)."},
    {"text_kinds", text_kinds, METH_VARARGS, "A text as one kind letter per character from a 65,536-byte table (plugin.chardata.text_kinds)."},
    {"view_flags", view_flags, METH_VARARGS, "Which passes a dense view needs, from its character kinds (see plugin.matching.native)."},
    {"equal_neighbours", equal_neighbours, METH_VARARGS, "Offsets where a text's character equals the one before (plugin.normalize)."},
    {"kept_runs", kept_runs, METH_VARARGS, "Where the runs between marks start, with and without the marks (plugin.normalize)."},
    {"slot_object", slot_object, METH_VARARGS, "An instance of a plain __slots__ class with its members set, without __init__."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "cloops", "The matcher's hot loops in C (plugin.matching.native).", -1, methods,
};

PyMODINIT_FUNC
PyInit_cloops(void)
{
    PyObject *mod;
    init_crc_table();
    if (PyType_Ready(&BoundWalkType) < 0)
        return NULL;
    mod = PyModule_Create(&module);
    if (mod != NULL && PyModule_AddObjectRef(mod, "BoundWalk", (PyObject *)&BoundWalkType) < 0)
        Py_CLEAR(mod);
    return mod;
}
