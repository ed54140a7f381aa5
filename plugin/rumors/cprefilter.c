/* The rumour pre-filter's per-claim work in C (plugin.rumors.prefilter holds the pure-Python twin that
 * decides the same, and chooses between them). Tables are flat buffers built once per index
 * (plugin.rumors.prefilter.PreFilter.tables), rows as offsets into them (CSR):
 *
 *   tables = (owner_flat int32, owner_off int64,     the claims owning each key-term slot, sorted
 *             claim_flat int32, claim_off int64,     the key-term slots of each claim, sorted
 *             char_flat int32,  char_off int64,      the content characters of each claim (code points), sorted
 *             rare uint8, idf float64, term_len int32  per slot
 *             need float64)                          per claim
 *
 *   claims_naming(tables, seeds, hit_slots, short) -> list[int]
 *       The claims owning a seed slot (``seeds``) that hold two of the text's key terms (``hit_slots``,
 *       sorted, distinct), or one rare seed. For a ``short`` text only those whose terms in the text
 *       weigh at least their need (summed in slot order); otherwise at most the first one found. Read
 *       through the owners of the hit slots (rows read in order), not the claims' own rows.
 *
 *   explains(tables, claims, hit_slots, hit_ends, text, weights, clauses, min_cover, single_credit) -> bool
 *       Whether one of ``claims`` explains a clause of ``text`` enough: the characters of its key terms
 *       in the text (hits in scan order: ``hit_slots[k]`` ending at character ``hit_ends[k]``) credited
 *       fully, the text's other characters found among the claim's at ``single_credit``; each weighed
 *       by ``weights`` (a float per character, 0 for what does not count); a clause (start, stop,
 *       content) is explained when the credited weight inside it reaches ``min_cover`` * content. The
 *       sums run in the twin's order (key-term characters as first credited, then the others in
 *       text order).
 *
 *   sound_hits(sound_tables, terms, text, max_len) -> list[tuple[int, int]]
 *       Key terms ``text`` holds as a sound-alike typo (光古 for 光谷, 纸金 for 纸巾): every window of 2 to
 *       ``max_len`` (at most 6) characters whose characters sound as a term's (``codes``: a syllable code per BMP
 *       character, 0 for none), that differs from the term in exactly one character, and that reads as a typo:
 *       the two characters differing are no filler (``filler``: a flag per BMP character), a window of two
 *       characters is no common word, and neither edge of the window forms a common word with the character
 *       beside it (``common``: the common two-character words, as ``first << 16 | second``, sorted).
 *       ``sound_tables = (codes uint16[65536], table uint64, rows uint32, filler uint8[65536], common uint32,
 *       prefixes uint8[PREFIX_BYTES])``: ``table`` an open-addressing table of (hash, start << 32 | count) pairs
 *       (count 0: empty) from the FNV-1a hash of a term's codes to ``count`` row entries from entry ``start`` of
 *       ``rows``, each ROW_WORDS words: the slot (ascending within a row; below ``len(terms)``), then the term's
 *       characters, two per word, low half first, 0 after the last (a comparison reads no term object: at 100k
 *       rumours each was a cache miss); ``prefixes`` a bitmap of the hashes of every term's code prefixes of
 *       two or more (bit ``(h ^ h >> 29) & (PREFIX_BITS - 1)``): a window whose prefix has no bit set is extended
 *       no further (128 KB: it answers most windows from the cache). (slot, end character) in window order:
 *       start, then length, then slot.
 *
 *   Filter(tables, sound_tables, key_tables, weights, clause_end, seed_claims, short_chars, min_cover,
 *          single_credit, max_len)
 *       Holds the buffers of the three table sets and of ``weights`` (float64 per BMP character: char_weight) once.
 *       ``key_tables = (table uint64, rows int32, pool uint16, prefixes uint8[PREFIX_BYTES], keys
 *       uint8[PREFIX_BYTES])``: the key terms and curated triggers as written, ``table`` as the sound table's (hash,
 *       start << 32 | count) pairs over the FNV-1a hash of a key's characters, each row entry three words (value:
 *       the slot, or -1 for a curated trigger; offset of its characters in ``pool``; length), ``prefixes`` the
 *       bitmap of the hashes of every prefix some key continues, ``keys`` that of the keys.
 *       ``key_hits(text)``: (slot, end character) of every key term in a BMP text, by end, the longest first at one
 *       end — what the automaton finds, in its order — or None at a curated trigger.
 *       ``decide(text, matches=None) -> bool`` is the whole decision of ``PreFilter.passes`` on a BMP text: the key
 *       terms (``key_hits``; or, given ``matches``, the (end code unit, slot) pairs of the automaton over the
 *       UTF-16 text, those ending on a character's last unit), a curated trigger deciding; then the sound-alike
 *       hits, the seeds (the rarest terms, up to ``seed_claims`` owners), ``claims_naming``, and for a text of at
 *       most ``short_chars`` characters the weights, the clauses (ended by ``clause_end`` characters; two content
 *       characters or more; the whole text too when there are several) and ``explains`` with ``min_cover`` and
 *       ``single_credit``: the steps, the order of hits and of every sum as in the twin (plugin.rumors.prefilter).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { T_OWNER_FLAT, T_OWNER_OFF, T_CLAIM_FLAT, T_CLAIM_OFF, T_CHAR_FLAT, T_CHAR_OFF, T_RARE, T_IDF, T_TERM_LEN,
       T_NEED, T_COUNT };
static const Py_ssize_t ITEM_SIZE[T_COUNT] = {4, 8, 4, 8, 4, 8, 1, 8, 4, 8};

typedef struct {
    Py_buffer buf[T_COUNT];
    int held;
    Py_ssize_t n_slots, n_claims;
} Tables;

static void
release_tables(Tables *t)
{
    for (int k = 0; k < t->held; k++)
        PyBuffer_Release(&t->buf[k]);
    t->held = 0;
}

static inline Py_ssize_t
count_of(const Tables *t, int k)
{
    return t->buf[k].len / ITEM_SIZE[k];
}

/* Takes the buffers of ``tables`` and checks their sizes agree (offsets within the flat arrays are
 * checked where they are read). */
static int
get_tables(PyObject *tables, Tables *t)
{
    t->held = 0;
    if (!PyTuple_Check(tables) || PyTuple_GET_SIZE(tables) != T_COUNT) {
        PyErr_SetString(PyExc_TypeError, "tables must be a tuple of 10 buffers");
        return -1;
    }
    for (int k = 0; k < T_COUNT; k++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(tables, k), &t->buf[k], PyBUF_SIMPLE) < 0) {
            release_tables(t);
            return -1;
        }
        t->held = k + 1;
        if (t->buf[k].len % ITEM_SIZE[k]) {
            release_tables(t);
            PyErr_SetString(PyExc_ValueError, "a table's size is not a whole number of items");
            return -1;
        }
    }
    t->n_slots = count_of(t, T_OWNER_OFF) - 1;
    t->n_claims = count_of(t, T_CLAIM_OFF) - 1;
    if (t->n_slots < 0 || t->n_claims < 0 || count_of(t, T_RARE) != t->n_slots || count_of(t, T_IDF) != t->n_slots
        || count_of(t, T_TERM_LEN) != t->n_slots || count_of(t, T_NEED) != t->n_claims
        || count_of(t, T_CHAR_OFF) != t->n_claims + 1) {
        release_tables(t);
        PyErr_SetString(PyExc_ValueError, "tables of different sizes");
        return -1;
    }
    return 0;
}

#define TAB(t, k, type) ((const type *)(t)->buf[k].buf)

/* Row ``r`` of a CSR table: [*start, *stop) within ``flat``; -1 (ValueError) when out of bounds. */
static int
row_of(const Tables *t, int off_k, int flat_k, Py_ssize_t r, Py_ssize_t *start, Py_ssize_t *stop)
{
    const int64_t *off = TAB(t, off_k, int64_t);
    Py_ssize_t rows = count_of(t, off_k) - 1;
    if (r < 0 || r >= rows) {
        PyErr_SetString(PyExc_IndexError, "row out of range");
        return -1;
    }
    *start = (Py_ssize_t)off[r];
    *stop = (Py_ssize_t)off[r + 1];
    if (*start < 0 || *stop < *start || *stop > count_of(t, flat_k)) {
        PyErr_SetString(PyExc_ValueError, "offsets out of range");
        return -1;
    }
    return 0;
}

static inline int
sorted_has(const int32_t *a, Py_ssize_t n, int32_t v)
{
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) >> 1;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && a[lo] == v;
}

static int
cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* A list of ints as int32 values (each within [0, bound)); NULL with an exception on error. */
/* Sorts of the few items of one text (insertion below SMALL_SORT items: no call per comparison, no buffer; every
 * order here is total, so the result is qsort's). */
#define SMALL_SORT 32

static void
sort_int32(int32_t *a, Py_ssize_t n)
{
    if (n > SMALL_SORT) {
        qsort(a, (size_t)n, sizeof(int32_t), cmp_int32);
        return;
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        int32_t x = a[i];
        Py_ssize_t j = i;
        for (; j > 0 && a[j - 1] > x; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

static int32_t *
int_list(PyObject *seq, Py_ssize_t *n, Py_ssize_t bound, const char *what)
{
    if (!PyList_Check(seq)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list", what);
        return NULL;
    }
    *n = PyList_GET_SIZE(seq);
    int32_t *out = PyMem_Malloc(sizeof(int32_t) * (*n ? *n : 1));
    if (!out) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t k = 0; k < *n; k++) {
        Py_ssize_t v = PyLong_AsSsize_t(PyList_GET_ITEM(seq, k));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(out);
            return NULL;
        }
        if (v < 0 || v >= bound) {
            PyMem_Free(out);
            PyErr_Format(PyExc_IndexError, "%s: value out of range", what);
            return NULL;
        }
        out[k] = (int32_t)v;
    }
    return out;
}

/* The claims owning a seed slot that hold two of the sorted, distinct ``hits`` (or one rare seed), and for a short
 * text name enough (their terms' idf, summed in slot order, reach their need); for a long text at most the first.
 * Written to ``*out`` (PyMem, the caller frees), ``*n_out`` of them; -1 with an exception on error. */
static int
naming_core(const Tables *t, const int32_t *seeds, Py_ssize_t n_seeds, const int32_t *hits, Py_ssize_t n_hits,
            int is_short, int32_t **out, Py_ssize_t *n_out)
{
    int status = -1;
    int32_t *claims = NULL, *shared = NULL, *last = NULL;
    double *weight = NULL;
    *out = NULL;
    *n_out = 0;
    /* the claims owning a seed, each once */
    Py_ssize_t total = 0, start, stop;
    for (Py_ssize_t k = 0; k < n_seeds; k++) {
        if (row_of(t, T_OWNER_OFF, T_OWNER_FLAT, seeds[k], &start, &stop) < 0)
            goto done;
        total += stop - start;
    }
    claims = PyMem_Malloc(sizeof(int32_t) * (size_t)(total ? total : 1));
    if (!claims) {
        PyErr_NoMemory();
        goto done;
    }
    const int32_t *owner_flat = TAB(t, T_OWNER_FLAT, int32_t);
    Py_ssize_t n = 0;
    for (Py_ssize_t k = 0; k < n_seeds; k++) {
        row_of(t, T_OWNER_OFF, T_OWNER_FLAT, seeds[k], &start, &stop);
        memcpy(claims + n, owner_flat + start, sizeof(int32_t) * (size_t)(stop - start));
        n += stop - start;
    }
    if (n_seeds > 1)
        sort_int32(claims, n);
    /* the claims in order, each once */
    Py_ssize_t m = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (!m || claims[k] != claims[m - 1])
            claims[m++] = claims[k];
    }
    /* each claim's key terms in the text, their weight summed in slot order, and the last one: the owners of
     * each hit slot (sorted) against the claims (sorted), merged or by bisection when the owners are many */
    shared = PyMem_Calloc((size_t)(m ? m : 1), sizeof(int32_t));
    last = PyMem_Malloc(sizeof(int32_t) * (size_t)(m ? m : 1));
    weight = PyMem_Calloc((size_t)(m ? m : 1), sizeof(double));
    if (!shared || !last || !weight) {
        PyErr_NoMemory();
        goto done;
    }
    const double *idf = TAB(t, T_IDF, double);
    for (Py_ssize_t h = 0; h < n_hits; h++) {
        if (row_of(t, T_OWNER_OFF, T_OWNER_FLAT, hits[h], &start, &stop) < 0)
            goto done;
        const int32_t *row = owner_flat + start;
        Py_ssize_t len = stop - start;
        if (len > 8 * m) {
            for (Py_ssize_t k = 0; k < m; k++) {
                if (sorted_has(row, len, claims[k])) {
                    shared[k]++;
                    last[k] = hits[h];
                    weight[k] += idf[hits[h]];
                }
            }
        } else {
            Py_ssize_t a = 0, b = 0;
            while (a < m && b < len) {
                if (claims[a] < row[b])
                    a++;
                else if (claims[a] > row[b])
                    b++;
                else {
                    shared[a]++;
                    last[a] = hits[h];
                    weight[a] += idf[hits[h]];
                    a++;
                    b++;
                }
            }
        }
    }
    const uint8_t *rare = TAB(t, T_RARE, uint8_t);
    const double *need = TAB(t, T_NEED, double);
    Py_ssize_t kept = 0;
    for (Py_ssize_t k = 0; k < m; k++) {
        int32_t c = claims[k];
        if (c < 0 || c >= t->n_claims) {
            PyErr_SetString(PyExc_ValueError, "owner out of range");
            goto done;
        }
        if (!(shared[k] >= 2 || (shared[k] == 1 && rare[last[k]])))
            continue;
        if (is_short && weight[k] < need[c])
            continue;
        claims[kept++] = c;  /* (kept <= k: written over what was read) */
        if (!is_short)
            break;
    }
    *out = claims;
    claims = NULL;
    *n_out = kept;
    status = 0;
done:
    PyMem_Free(claims);
    PyMem_Free(shared);
    PyMem_Free(last);
    PyMem_Free(weight);
    return status;
}

static PyObject *
claims_naming(PyObject *self, PyObject *args)
{
    PyObject *tables, *seeds_obj, *hits_obj;
    int is_short;
    if (!PyArg_ParseTuple(args, "OO!O!p", &tables, &PyList_Type, &seeds_obj, &PyList_Type, &hits_obj, &is_short))
        return NULL;
    Tables t;
    if (get_tables(tables, &t) < 0)
        return NULL;
    PyObject *result = NULL;
    int32_t *seeds = NULL, *hits = NULL, *claims = NULL;
    Py_ssize_t n_seeds, n_hits, n_claims;
    if (!(seeds = int_list(seeds_obj, &n_seeds, t.n_slots, "seeds")))
        goto done;
    if (!(hits = int_list(hits_obj, &n_hits, t.n_slots, "hit_slots")))
        goto done;
    for (Py_ssize_t k = 1; k < n_hits; k++) {
        if (hits[k] <= hits[k - 1]) {
            PyErr_SetString(PyExc_ValueError, "hit_slots must be sorted and distinct");
            goto done;
        }
    }
    if (naming_core(&t, seeds, n_seeds, hits, n_hits, is_short, &claims, &n_claims) < 0)
        goto done;
    if (!(result = PyList_New(n_claims)))
        goto done;
    for (Py_ssize_t k = 0; k < n_claims; k++) {
        PyObject *v = PyLong_FromLong(claims[k]);
        if (!v) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, k, v);
    }
done:
    PyMem_Free(seeds);
    PyMem_Free(hits);
    PyMem_Free(claims);
    release_tables(&t);
    return result;
}

/* Whether one of ``claims`` explains a clause of the text enough (see ``explains``): ``clauses`` as (start, stop,
 * min_cover * content) triples; ``credit`` and ``order`` scratch of one cell per character. 1, 0, or -1 with an
 * exception (a row out of range). */
static int
explains_core(const Tables *t, const int32_t *claims, Py_ssize_t n_claims, const int32_t *slots, const int32_t *ends,
              Py_ssize_t n_hits, int kind, const void *data, Py_ssize_t n, const double *weights, const double *clauses,
              Py_ssize_t n_clauses, double single_credit, double *credit, int32_t *order)
{
    const int32_t *claim_flat = TAB(t, T_CLAIM_FLAT, int32_t);
    const int32_t *char_flat = TAB(t, T_CHAR_FLAT, int32_t);
    const int32_t *term_len = TAB(t, T_TERM_LEN, int32_t);
    int explained = 0;
    for (Py_ssize_t c = 0; c < n_claims && !explained; c++) {
        Py_ssize_t s0, s1, c0, c1;
        if (row_of(t, T_CLAIM_OFF, T_CLAIM_FLAT, claims[c], &s0, &s1) < 0
            || row_of(t, T_CHAR_OFF, T_CHAR_FLAT, claims[c], &c0, &c1) < 0)
            return -1;
        for (Py_ssize_t x = 0; x < n; x++)
            credit[x] = 0.0;
        Py_ssize_t filled = 0;
        /* the characters of the claim's key terms in the text, fully */
        for (Py_ssize_t h = 0; h < n_hits; h++) {
            if (!sorted_has(claim_flat + s0, s1 - s0, slots[h]))
                continue;
            Py_ssize_t first = (Py_ssize_t)ends[h] - term_len[slots[h]] + 1;
            for (Py_ssize_t x = first < 0 ? 0 : first; x <= ends[h]; x++) {
                if (weights[x] == 0.0)
                    continue;
                if (credit[x] == 0.0)
                    order[filled++] = (int32_t)x;
                credit[x] = 1.0;
            }
        }
        /* the other characters of the text the claim holds, partly */
        for (Py_ssize_t x = 0; x < n; x++) {
            if (weights[x] == 0.0 || credit[x] != 0.0)
                continue;
            Py_UCS4 ch = PyUnicode_READ(kind, data, x);
            if (ch <= INT32_MAX && sorted_has(char_flat + c0, c1 - c0, (int32_t)ch)) {
                credit[x] = single_credit;
                order[filled++] = (int32_t)x;
            }
        }
        for (Py_ssize_t k = 0; k < n_clauses && !explained; k++) {
            double a = clauses[3 * k], b = clauses[3 * k + 1], sum = 0.0;
            for (Py_ssize_t j = 0; j < filled; j++) {
                int32_t x = order[j];
                if (a <= x && x < b)
                    sum += weights[x] * credit[x];
            }
            explained = sum >= clauses[3 * k + 2];
        }
    }
    return explained;
}

static PyObject *
explains(PyObject *self, PyObject *args)
{
    PyObject *tables, *claims_obj, *slots_obj, *ends_obj, *text, *weights_obj, *clauses_obj;
    double min_cover, single_credit;
    if (!PyArg_ParseTuple(args, "OO!O!O!UO!O!dd", &tables, &PyList_Type, &claims_obj, &PyList_Type, &slots_obj,
                          &PyList_Type, &ends_obj, &text, &PyList_Type, &weights_obj, &PyList_Type, &clauses_obj,
                          &min_cover, &single_credit))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (PyList_GET_SIZE(weights_obj) != n) {
        PyErr_SetString(PyExc_ValueError, "weights must hold one float per character of text");
        return NULL;
    }
    Tables t;
    if (get_tables(tables, &t) < 0)
        return NULL;
    PyObject *result = NULL;
    int32_t *claims = NULL, *slots = NULL, *ends = NULL, *order = NULL;
    double *weights = NULL, *credit = NULL, *clauses = NULL;
    Py_ssize_t n_claims, n_hits, n_ends, n_clauses = PyList_GET_SIZE(clauses_obj);
    if (!(claims = int_list(claims_obj, &n_claims, t.n_claims, "claims")))
        goto done;
    if (!(slots = int_list(slots_obj, &n_hits, t.n_slots, "hit_slots")))
        goto done;
    if (!(ends = int_list(ends_obj, &n_ends, n ? n : 1, "hit_ends")))
        goto done;
    if (n_ends != n_hits) {
        PyErr_SetString(PyExc_ValueError, "hit_slots and hit_ends differ in length");
        goto done;
    }
    size_t cells = (size_t)(n ? n : 1);
    weights = PyMem_Malloc(sizeof(double) * cells);
    credit = PyMem_Malloc(sizeof(double) * cells);
    order = PyMem_Malloc(sizeof(int32_t) * cells);
    clauses = PyMem_Malloc(sizeof(double) * 3 * (size_t)(n_clauses ? n_clauses : 1));
    if (!weights || !credit || !order || !clauses) {
        PyErr_NoMemory();
        goto done;
    }
    /* a conversion can run Python code (__float__, __index__) that changes the lists: each item is held while
       it is read, and the lengths are checked again */
    for (Py_ssize_t x = 0; x < n; x++) {
        if (x >= PyList_GET_SIZE(weights_obj)) {
            PyErr_SetString(PyExc_ValueError, "weights changed while read");
            goto done;
        }
        PyObject *w = PyList_GET_ITEM(weights_obj, x);
        Py_INCREF(w);
        weights[x] = PyFloat_AsDouble(w);
        Py_DECREF(w);
        if (weights[x] == -1.0 && PyErr_Occurred())
            goto done;
    }
    for (Py_ssize_t k = 0; k < n_clauses; k++) {
        if (k >= PyList_GET_SIZE(clauses_obj)) {
            PyErr_SetString(PyExc_ValueError, "clauses changed while read");
            goto done;
        }
        PyObject *clause = PyList_GET_ITEM(clauses_obj, k);
        Py_ssize_t a, b;
        double content;
        int parsed;
        Py_INCREF(clause);
        parsed = PyArg_ParseTuple(clause, "nnd", &a, &b, &content);
        Py_DECREF(clause);
        if (!parsed)
            goto done;
        clauses[3 * k] = (double)a;
        clauses[3 * k + 1] = (double)b;
        clauses[3 * k + 2] = min_cover * content;
    }
    int explained = explains_core(&t, claims, n_claims, slots, ends, n_hits, PyUnicode_KIND(text), PyUnicode_DATA(text),
                                  n, weights, clauses, n_clauses, single_credit, credit, order);
    if (explained < 0)
        goto done;
    result = PyBool_FromLong(explained);
done:
    PyMem_Free(claims);
    PyMem_Free(slots);
    PyMem_Free(ends);
    PyMem_Free(order);
    PyMem_Free(weights);
    PyMem_Free(credit);
    PyMem_Free(clauses);
    release_tables(&t);
    return result;
}

/* ---------------------------------------------------------------- sound-alike key terms */

enum { S_CODES, S_TABLE, S_ROWS, S_FILLER, S_COMMON, S_PREFIXES, S_N };
static const Py_ssize_t S_ITEM_SIZE[S_N] = {2, 8, 4, 1, 4, 1};
#define PREFIX_BITS ((uint64_t)1 << 20)
#define ROW_WORDS 4                       /* a row entry: the slot, then its term's characters, two per word */
#define MAX_SOUND_LEN (2 * (ROW_WORDS - 1))

typedef struct {
    const uint16_t *codes;
    const uint64_t *table;
    const uint32_t *rows;
    const uint8_t *filler;
    const uint32_t *common;
    const uint8_t *prefixes;
    Py_ssize_t size, n_rows, n_common;
} Sound;

/* Takes the buffers of ``stables`` into ``b`` (all released on error) and checks their sizes. */
static int
get_sound(PyObject *stables, Py_buffer *b, Sound *s)
{
    if (!PyTuple_Check(stables) || PyTuple_GET_SIZE(stables) != S_N) {
        PyErr_SetString(PyExc_TypeError, "sound_tables must be a tuple of 6 buffers");
        return -1;
    }
    int held = 0;
    for (; held < S_N; held++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(stables, held), &b[held], PyBUF_SIMPLE) < 0)
            goto fail;
        if (b[held].len % S_ITEM_SIZE[held]) {
            held++;
            PyErr_SetString(PyExc_ValueError, "a table's size is not a whole number of items");
            goto fail;
        }
    }
    s->codes = (const uint16_t *)b[S_CODES].buf;
    s->table = (const uint64_t *)b[S_TABLE].buf;
    s->rows = (const uint32_t *)b[S_ROWS].buf;
    s->filler = (const uint8_t *)b[S_FILLER].buf;
    s->common = (const uint32_t *)b[S_COMMON].buf;
    s->prefixes = (const uint8_t *)b[S_PREFIXES].buf;
    s->size = b[S_TABLE].len / 16;
    s->n_rows = b[S_ROWS].len / (4 * ROW_WORDS);
    s->n_common = b[S_COMMON].len / 4;
    if (b[S_CODES].len != 2 * 65536 || b[S_FILLER].len != 65536 || b[S_TABLE].len % 16 || (s->size & (s->size - 1))
        || b[S_ROWS].len % (4 * ROW_WORDS) || b[S_PREFIXES].len != (Py_ssize_t)(PREFIX_BITS / 8)) {
        PyErr_SetString(PyExc_ValueError, "sound tables of wrong sizes");
        goto fail;
    }
    return 0;
fail:
    for (int k = 0; k < held; k++)
        PyBuffer_Release(&b[k]);
    return -1;
}

/* Whether the two characters ``a`` ``b`` are a common word (``common``: sorted first << 16 | second). */
static int
common_pair(const uint32_t *common, Py_ssize_t n, Py_UCS4 a, Py_UCS4 b)
{
    if (a >= 0x10000 || b >= 0x10000)
        return 0;
    uint32_t v = (uint32_t)a << 16 | (uint32_t)b;
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) >> 1;
        if (common[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && common[lo] == v;
}
#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/* A growing list of int32 pairs. */
typedef struct {
    int32_t *a;
    Py_ssize_t n, cap;  /* pairs */
} Pairs;

static int
push_pair(Pairs *p, int32_t x, int32_t y)
{
    if (p->n == p->cap) {
        Py_ssize_t cap = p->cap ? 2 * p->cap : 16;
        int32_t *a = PyMem_Realloc(p->a, sizeof(int32_t) * 2 * (size_t)cap);
        if (!a) {
            PyErr_NoMemory();
            return -1;
        }
        p->a = a;
        p->cap = cap;
    }
    p->a[2 * p->n] = x;
    p->a[2 * p->n + 1] = y;
    p->n++;
    return 0;
}

/* The sound-alike hits of the text (see ``sound_hits``) appended to ``out`` as (slot, end) pairs; slots are
 * checked against ``n_slots``. 0, or -1 with an exception. */
static int
sound_scan(const Sound *s, Py_ssize_t n_slots, int kind, const void *data, Py_ssize_t n, Py_ssize_t max_len,
           Pairs *out)
{
    if (s->size == 0)
        return 0;
    const uint16_t *codes = s->codes;
    uint64_t mask = (uint64_t)s->size - 1;
    for (Py_ssize_t i = 0; i + 1 < n; i++) {
        uint64_t h = FNV_OFFSET;
        for (Py_ssize_t k = 1; k <= max_len && i + k <= n; k++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i + k - 1);
            uint16_t c = ch < 0x10000 ? codes[ch] : 0;
            if (c == 0)
                break;
            h = (h ^ c) * FNV_PRIME;
            if (k < 2)
                continue;
            uint64_t bit = (h ^ (h >> 29)) & (PREFIX_BITS - 1);
            if (!((s->prefixes[bit >> 3] >> (bit & 7)) & 1))
                break;  /* no term's codes start so: no longer window either */
            for (uint64_t p = (h ^ (h >> 29)) & mask;; p = (p + 1) & mask) {
                uint64_t where = s->table[2 * p + 1];
                Py_ssize_t count = (Py_ssize_t)(where & 0xFFFFFFFFu), start = (Py_ssize_t)(where >> 32);
                if (count == 0)
                    break;
                if (s->table[2 * p] != h)
                    continue;
                if (start + count > s->n_rows) {
                    PyErr_SetString(PyExc_ValueError, "sound table rows out of range");
                    return -1;
                }
                for (const uint32_t *row = s->rows + ROW_WORDS * start, *end = row + ROW_WORDS * count; row < end;
                     row += ROW_WORDS) {
                    if ((Py_ssize_t)row[0] >= n_slots) {
                        PyErr_SetString(PyExc_IndexError, "slot out of range");
                        return -1;
                    }
                    /* the term's characters: k of them (a hash collision of another length: skipped) */
                    if (k < MAX_SOUND_LEN && (row[1 + k / 2] >> (16 * (k & 1)) & 0xFFFFu))
                        continue;
                    Py_ssize_t diffs = 0;
                    for (Py_ssize_t x = 0; x < k; x++) {
                        Py_UCS4 a = PyUnicode_READ(kind, data, i + x), t = row[1 + x / 2] >> (16 * (x & 1)) & 0xFFFFu;
                        if (a == t)
                            continue;
                        if (t == 0 || codes[t] != codes[a]) {  /* a hash collision */
                            diffs = 2;
                            break;
                        }
                        if (s->filler[t] || s->filler[a]) {  /* a particle or a numeral written otherwise: no typo */
                            diffs = 2;
                            break;
                        }
                        diffs++;
                    }
                    if (diffs != 1)
                        continue;
                    if ((k == 2 && common_pair(s->common, s->n_common, PyUnicode_READ(kind, data, i),
                                               PyUnicode_READ(kind, data, i + 1)))
                        || (i > 0 && common_pair(s->common, s->n_common, PyUnicode_READ(kind, data, i - 1),
                                                 PyUnicode_READ(kind, data, i)))
                        || (i + k < n && common_pair(s->common, s->n_common, PyUnicode_READ(kind, data, i + k - 1),
                                                     PyUnicode_READ(kind, data, i + k))))
                        continue;  /* a common word of its own, or glued to a neighbour in one */
                    if (push_pair(out, (int32_t)row[0], (int32_t)(i + k - 1)) < 0)
                        return -1;
                }
                break;
            }
        }
    }
    return 0;
}

static PyObject *
pairs_list(const Pairs *p, Py_ssize_t from)
{
    PyObject *out = PyList_New(p->n - from);
    if (!out)
        return NULL;
    for (Py_ssize_t k = from; k < p->n; k++) {
        PyObject *hit = Py_BuildValue("(ii)", p->a[2 * k], p->a[2 * k + 1]);
        if (!hit) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, k - from, hit);
    }
    return out;
}

static PyObject *
sound_hits(PyObject *self, PyObject *args)
{
    PyObject *stables, *terms, *text;
    Py_ssize_t max_len;
    if (!PyArg_ParseTuple(args, "O!O!Un:sound_hits", &PyTuple_Type, &stables, &PyList_Type, &terms, &text, &max_len))
        return NULL;
    if (max_len < 2 || max_len > MAX_SOUND_LEN) {
        PyErr_SetString(PyExc_ValueError, "max_len out of range");
        return NULL;
    }
    Py_buffer b[S_N];
    Sound s;
    if (get_sound(stables, b, &s) < 0)
        return NULL;
    Pairs hits = {NULL, 0, 0};
    PyObject *out = NULL;
    if (sound_scan(&s, PyList_GET_SIZE(terms), PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text),
                   max_len, &hits) == 0)
        out = pairs_list(&hits, 0);
    PyMem_Free(hits.a);
    for (int k = 0; k < S_N; k++)
        PyBuffer_Release(&b[k]);
    return out;
}

/* ---------------------------------------------------------------- key terms as written */

enum { E_TABLE, E_ROWS, E_POOL, E_PREFIXES, E_KEYS, E_N };
static const Py_ssize_t E_ITEM_SIZE[E_N] = {8, 4, 2, 1, 1};

typedef struct {
    const uint64_t *table;
    const int32_t *rows;
    const uint16_t *pool;
    const uint8_t *prefixes, *keys;
    Py_ssize_t size, n_rows, n_pool, max_len;
} Exact;

/* A hit of a key term as written: its value (slot, or -1 for a curated trigger), first and last character. */
typedef struct {
    int32_t value, start, end;
} KeyHit;

static int
cmp_keyhit(const void *a, const void *b)
{
    const KeyHit *x = a, *y = b;
    if (x->end != y->end)
        return (x->end > y->end) - (x->end < y->end);
    return (x->start > y->start) - (x->start < y->start);
}

/* Every key of ``e`` in the BMP text, by end then start (the automaton's order: the longest first at one end);
 * ``*curated`` set (and the scan stopped) at a curated trigger. ``*out`` (PyMem) holds ``*n_out`` hits. */
static int
exact_scan(const Exact *e, Py_ssize_t n_slots, int kind, const void *data, Py_ssize_t n, KeyHit **out,
           Py_ssize_t *n_out, int *curated)
{
    Py_ssize_t cap = 16, m = 0;
    KeyHit *hits = PyMem_Malloc(sizeof(KeyHit) * (size_t)cap);
    *curated = 0;
    if (!hits) {
        PyErr_NoMemory();
        return -1;
    }
    uint64_t mask = (uint64_t)e->size - 1;
    for (Py_ssize_t i = 0; i < n && e->size && !*curated; i++) {
        uint64_t h = FNV_OFFSET;
        for (Py_ssize_t k = 1; k <= e->max_len && i + k <= n; k++) {
            h = (h ^ PyUnicode_READ(kind, data, i + k - 1)) * FNV_PRIME;
            uint64_t bit = (h ^ (h >> 29)) & (PREFIX_BITS - 1);
            if ((e->keys[bit >> 3] >> (bit & 7)) & 1) {
                for (uint64_t p = (h ^ (h >> 29)) & mask;; p = (p + 1) & mask) {
                    uint64_t where = e->table[2 * p + 1];
                    Py_ssize_t count = (Py_ssize_t)(where & 0xFFFFFFFFu), start = (Py_ssize_t)(where >> 32);
                    if (count == 0)
                        break;
                    if (e->table[2 * p] != h)
                        continue;
                    if (start + count > e->n_rows) {
                        PyErr_SetString(PyExc_ValueError, "key table rows out of range");
                        goto fail;
                    }
                    for (const int32_t *row = e->rows + 3 * start, *stop = row + 3 * count; row < stop; row += 3) {
                        if (row[2] != k || row[1] < 0 || row[1] + k > e->n_pool || row[0] >= n_slots) {
                            if (row[2] == k) {
                                PyErr_SetString(PyExc_ValueError, "key table row out of range");
                                goto fail;
                            }
                            continue;
                        }
                        const uint16_t *chars = e->pool + row[1];
                        Py_ssize_t x = 0;
                        while (x < k && chars[x] == PyUnicode_READ(kind, data, i + x))
                            x++;
                        if (x < k)
                            continue;  /* a hash collision */
                        if (row[0] < 0) {
                            *curated = 1;
                            break;
                        }
                        if (m == cap) {
                            cap *= 2;
                            KeyHit *more = PyMem_Realloc(hits, sizeof(KeyHit) * (size_t)cap);
                            if (!more) {
                                PyErr_NoMemory();
                                goto fail;
                            }
                            hits = more;
                        }
                        hits[m].value = row[0];
                        hits[m].start = (int32_t)i;
                        hits[m].end = (int32_t)(i + k - 1);
                        m++;
                    }
                    break;
                }
                if (*curated)
                    break;
            }
            if (!((e->prefixes[bit >> 3] >> (bit & 7)) & 1))
                break;  /* no key continues so */
        }
    }
    if (m > SMALL_SORT)
        qsort(hits, (size_t)m, sizeof(KeyHit), cmp_keyhit);
    else
        for (Py_ssize_t a = 1; a < m; a++) {
            KeyHit x = hits[a];
            Py_ssize_t b = a;
            for (; b > 0 && cmp_keyhit(&hits[b - 1], &x) > 0; b--)
                hits[b] = hits[b - 1];
            hits[b] = x;
        }
    *out = hits;
    *n_out = m;
    return 0;
fail:
    PyMem_Free(hits);
    return -1;
}

/* ---------------------------------------------------------------- the whole decision */

typedef struct {
    PyObject_HEAD
    Tables t;
    Py_buffer sb[S_N];
    int sound_held;
    Sound s;
    Py_buffer wb;
    int weights_held;
    const double *weight;          /* char_weight of each BMP character */
    Py_buffer eb[E_N];
    int exact_held;
    Exact e;
    Py_UCS4 clause_end[32];
    Py_ssize_t n_clause_end, seed_claims, short_chars, max_len;
    double min_cover, single_credit;
} Filter;

static void
filter_dealloc(Filter *f)
{
    release_tables(&f->t);
    if (f->sound_held)
        for (int k = 0; k < S_N; k++)
            PyBuffer_Release(&f->sb[k]);
    if (f->weights_held)
        PyBuffer_Release(&f->wb);
    for (int k = 0; k < f->exact_held; k++)
        PyBuffer_Release(&f->eb[k]);
    Py_TYPE(f)->tp_free((PyObject *)f);
}

static PyObject *
filter_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *tables, *stables, *etables, *weights, *clause_end;
    Py_ssize_t seed_claims, short_chars, max_len;
    double min_cover, single_credit;
    static char *kwlist[] = {"tables", "sound_tables", "key_tables", "weights", "clause_end", "seed_claims",
                             "short_chars", "min_cover", "single_credit", "max_len", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO!OUnnddn:Filter", kwlist, &tables, &stables, &PyTuple_Type,
                                     &etables, &weights, &clause_end, &seed_claims, &short_chars, &min_cover,
                                     &single_credit, &max_len))
        return NULL;
    if (PyTuple_GET_SIZE(etables) != E_N) {
        PyErr_SetString(PyExc_TypeError, "key_tables must be a tuple of 5 buffers");
        return NULL;
    }
    if (max_len < 2 || max_len > MAX_SOUND_LEN || seed_claims < 0 || short_chars < 0) {
        PyErr_SetString(PyExc_ValueError, "max_len, seed_claims or short_chars out of range");
        return NULL;
    }
    if (PyUnicode_GET_LENGTH(clause_end) > 32) {
        PyErr_SetString(PyExc_ValueError, "at most 32 clause-ending characters");
        return NULL;
    }
    Filter *f = (Filter *)type->tp_alloc(type, 0);
    if (!f)
        return NULL;
    if (get_tables(tables, &f->t) < 0)
        goto fail;
    if (get_sound(stables, f->sb, &f->s) < 0)
        goto fail;
    f->sound_held = 1;
    if (PyObject_GetBuffer(weights, &f->wb, PyBUF_SIMPLE) < 0)
        goto fail;
    f->weights_held = 1;
    if (f->wb.len != 8 * 65536) {
        PyErr_SetString(PyExc_ValueError, "weights must be 65536 float64");
        goto fail;
    }
    f->weight = (const double *)f->wb.buf;
    for (; f->exact_held < E_N; f->exact_held++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(etables, f->exact_held), &f->eb[f->exact_held], PyBUF_SIMPLE) < 0)
            goto fail;
        if (f->eb[f->exact_held].len % E_ITEM_SIZE[f->exact_held]) {
            f->exact_held++;
            PyErr_SetString(PyExc_ValueError, "a table's size is not a whole number of items");
            goto fail;
        }
    }
    f->e.table = (const uint64_t *)f->eb[E_TABLE].buf;
    f->e.rows = (const int32_t *)f->eb[E_ROWS].buf;
    f->e.pool = (const uint16_t *)f->eb[E_POOL].buf;
    f->e.prefixes = (const uint8_t *)f->eb[E_PREFIXES].buf;
    f->e.keys = (const uint8_t *)f->eb[E_KEYS].buf;
    f->e.size = f->eb[E_TABLE].len / 16;
    f->e.n_rows = f->eb[E_ROWS].len / 12;
    f->e.n_pool = f->eb[E_POOL].len / 2;
    if (f->eb[E_TABLE].len % 16 || (f->e.size & (f->e.size - 1)) || f->eb[E_ROWS].len % 12
        || f->eb[E_PREFIXES].len != (Py_ssize_t)(PREFIX_BITS / 8) || f->eb[E_KEYS].len != (Py_ssize_t)(PREFIX_BITS / 8)) {
        PyErr_SetString(PyExc_ValueError, "key tables of wrong sizes");
        goto fail;
    }
    f->e.max_len = 0;
    for (Py_ssize_t r = 0; r < f->e.n_rows; r++)
        if (f->e.rows[3 * r + 2] > f->e.max_len)
            f->e.max_len = f->e.rows[3 * r + 2];
    f->n_clause_end = PyUnicode_GET_LENGTH(clause_end);
    for (Py_ssize_t k = 0; k < f->n_clause_end; k++)
        f->clause_end[k] = PyUnicode_READ_CHAR(clause_end, k);
    f->seed_claims = seed_claims;
    f->short_chars = short_chars;
    f->max_len = max_len;
    f->min_cover = min_cover;
    f->single_credit = single_credit;
    return (PyObject *)f;
fail:
    Py_DECREF(f);
    return NULL;
}

static const Tables *sort_tables;  /* (qsort has no context argument: set under the GIL just before sorting) */

static int
cmp_rarest(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    const int64_t *off = TAB(sort_tables, T_OWNER_OFF, int64_t);
    int64_t lx = off[x + 1] - off[x], ly = off[y + 1] - off[y];
    if (lx != ly)
        return (lx > ly) - (lx < ly);
    return (x > y) - (x < y);
}

static PyObject *
filter_decide(Filter *f, PyObject *args)
{
    PyObject *text, *matches = Py_None;
    if (!PyArg_ParseTuple(args, "U|O:decide", &text, &matches))
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (kind == PyUnicode_4BYTE_KIND) {
        PyErr_SetString(PyExc_ValueError, "text beyond the BMP");
        return NULL;
    }
    const Tables *t = &f->t;
    PyObject *it = NULL, *item, *result = NULL;
    Pairs hits = {NULL, 0, 0};
    int32_t *slots = NULL, *ends = NULL, *distinct = NULL, *claims = NULL, *order = NULL;
    double *weights = NULL, *credit = NULL, *clauses = NULL;
    int decided = -1;  /* -1: not yet */
    if (matches == Py_None) {
        /* the key terms as written, found here (the automaton's hits, in its order) */
        KeyHit *found;
        Py_ssize_t n_found;
        int curated;
        if (exact_scan(&f->e, t->n_slots, kind, data, n, &found, &n_found, &curated) < 0)
            goto done;
        for (Py_ssize_t k = 0; k < n_found && !curated; k++) {
            if (push_pair(&hits, found[k].value, found[k].end) < 0) {
                PyMem_Free(found);
                goto done;
            }
        }
        PyMem_Free(found);
        if (curated)
            decided = 1;
    } else if (!(it = PyObject_GetIter(matches)))
        goto done;
    /* or the automaton's matches (end code unit, slot) over the UTF-16 text, those ending on a character's last
     * unit; a curated trigger (slot < 0) decides */
    while (it && (item = PyIter_Next(it))) {
        Py_ssize_t end = -1, slot = 0;
        if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2) {
            end = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
            slot = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
        }
        Py_DECREF(item);
        if (PyErr_Occurred())
            goto done;
        if (end < 0 || (end >> 1) >= n || slot >= t->n_slots) {
            PyErr_SetString(PyExc_ValueError, "a match out of range");
            goto done;
        }
        if (!(end & 1))
            continue;
        if (slot < 0) {
            decided = 1;
            break;
        }
        if (push_pair(&hits, (int32_t)slot, (int32_t)(end >> 1)) < 0)
            goto done;
    }
    if (PyErr_Occurred())
        goto done;
    if (decided >= 0 || hits.n == 0) {
        result = PyBool_FromLong(decided == 1);
        goto done;
    }
    /* a typo counts beside a key term written as it is */
    if (sound_scan(&f->s, t->n_slots, kind, data, n, f->max_len, &hits) < 0)
        goto done;
    Py_ssize_t n_hits = hits.n, n_distinct = 0;
    slots = PyMem_Malloc(sizeof(int32_t) * (size_t)n_hits);
    ends = PyMem_Malloc(sizeof(int32_t) * (size_t)n_hits);
    distinct = PyMem_Malloc(sizeof(int32_t) * (size_t)n_hits);
    if (!slots || !ends || !distinct) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n_hits; k++) {
        slots[k] = distinct[k] = hits.a[2 * k];
        ends[k] = hits.a[2 * k + 1];
    }
    sort_int32(distinct, n_hits);
    for (Py_ssize_t k = 0; k < n_hits; k++)
        if (!n_distinct || distinct[k] != distinct[n_distinct - 1])
            distinct[n_distinct++] = distinct[k];
    const uint8_t *rare = TAB(t, T_RARE, uint8_t);
    if (n_distinct == 1 && !rare[distinct[0]]) {
        result = Py_NewRef(Py_False);  /* one key term, not a rare one: no claim holds two of the text's */
        goto done;
    }
    /* the seeds: the rarest terms, up to seed_claims owners (ties: the lower slot) */
    int32_t *ranked = PyMem_Malloc(sizeof(int32_t) * (size_t)n_distinct);
    if (!ranked) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(ranked, distinct, sizeof(int32_t) * (size_t)n_distinct);
    sort_tables = t;
    if (n_distinct > SMALL_SORT)
        qsort(ranked, (size_t)n_distinct, sizeof(int32_t), cmp_rarest);
    else
        for (Py_ssize_t a = 1; a < n_distinct; a++) {
            int32_t x = ranked[a];
            Py_ssize_t b = a;
            for (; b > 0 && cmp_rarest(&ranked[b - 1], &x) > 0; b--)
                ranked[b] = ranked[b - 1];
            ranked[b] = x;
        }
    const int64_t *owner_off = TAB(t, T_OWNER_OFF, int64_t);
    Py_ssize_t n_seeds = 0, total = 0;
    for (Py_ssize_t k = 0; k < n_distinct; k++) {
        Py_ssize_t len = (Py_ssize_t)(owner_off[ranked[k] + 1] - owner_off[ranked[k]]);
        if (k == 0 && len > f->seed_claims)
            break;  /* no term specific to a claim */
        total += len;
        if (n_seeds && total > f->seed_claims)
            break;
        n_seeds++;
    }
    int is_short = n <= f->short_chars;
    Py_ssize_t n_claims = 0;
    int named = n_seeds ? naming_core(t, ranked, n_seeds, distinct, n_distinct, is_short, &claims, &n_claims) : 0;
    PyMem_Free(ranked);
    if (named < 0)
        goto done;
    if (!n_claims || !is_short) {
        result = PyBool_FromLong(n_claims > 0);
        goto done;
    }
    /* each character's weight, the clauses, and whether a claim explains one enough */
    size_t cells = (size_t)(n ? n : 1);
    weights = PyMem_Malloc(sizeof(double) * cells);
    credit = PyMem_Malloc(sizeof(double) * cells);
    order = PyMem_Malloc(sizeof(int32_t) * cells);
    clauses = PyMem_Malloc(sizeof(double) * 3 * (cells + 1));
    if (!weights || !credit || !order || !clauses) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t x = 0; x < n; x++)
        weights[x] = f->weight[PyUnicode_READ(kind, data, x)];
    Py_ssize_t n_clauses = 0, start = 0;
    double all = 0.0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i < n) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            int ends_clause = 0;
            for (Py_ssize_t k = 0; k < f->n_clause_end && !ends_clause; k++)
                ends_clause = ch == f->clause_end[k];
            if (!ends_clause)
                continue;
        }
        Py_ssize_t content = 0;
        double sum = 0.0;
        for (Py_ssize_t x = start; x < i; x++) {
            content += weights[x] != 0.0 && PyUnicode_READ(kind, data, x) >= 128;
            sum += weights[x];
        }
        if (content >= 2) {
            clauses[3 * n_clauses] = (double)start;
            clauses[3 * n_clauses + 1] = (double)i;
            clauses[3 * n_clauses + 2] = sum;
            n_clauses++;
            all += sum;
        }
        start = i + 1;
    }
    if (n_clauses > 1) {
        clauses[3 * n_clauses] = 0.0;
        clauses[3 * n_clauses + 1] = (double)n;
        clauses[3 * n_clauses + 2] = all;
        n_clauses++;
    }
    for (Py_ssize_t k = 0; k < n_clauses; k++)
        clauses[3 * k + 2] *= f->min_cover;
    int explained = explains_core(t, claims, n_claims, slots, ends, n_hits, kind, data, n, weights, clauses, n_clauses,
                                  f->single_credit, credit, order);
    if (explained >= 0)
        result = PyBool_FromLong(explained);
done:
    Py_XDECREF(it);
    PyMem_Free(hits.a);
    PyMem_Free(slots);
    PyMem_Free(ends);
    PyMem_Free(distinct);
    PyMem_Free(claims);
    PyMem_Free(order);
    PyMem_Free(weights);
    PyMem_Free(credit);
    PyMem_Free(clauses);
    return result;
}

static PyObject *
filter_key_hits(Filter *f, PyObject *args)
{
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U:key_hits", &text))
        return NULL;
    if (PyUnicode_KIND(text) == PyUnicode_4BYTE_KIND) {
        PyErr_SetString(PyExc_ValueError, "text beyond the BMP");
        return NULL;
    }
    KeyHit *found;
    Py_ssize_t n_found;
    int curated;
    if (exact_scan(&f->e, f->t.n_slots, PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text),
                   &found, &n_found, &curated) < 0)
        return NULL;
    Pairs hits = {NULL, 0, 0};
    PyObject *out = NULL;
    int failed = 0;
    for (Py_ssize_t k = 0; k < n_found && !failed; k++)
        failed = push_pair(&hits, found[k].value, found[k].end) < 0;
    PyMem_Free(found);
    if (!failed)
        out = curated ? Py_NewRef(Py_None) : pairs_list(&hits, 0);
    PyMem_Free(hits.a);
    return out;
}

static PyMethodDef filter_methods[] = {
    {"key_hits", (PyCFunction)filter_key_hits, METH_VARARGS,
     "key_hits(text) -> list[tuple[int, int]] | None: (slot, end character) of the key terms as written, in the "
     "automaton's order; None at a curated trigger."},
    {"decide", (PyCFunction)filter_decide, METH_VARARGS,
     "decide(text, matches=None) -> bool: the pre-filter's decision (from the automaton's matches over the text, "
     "when given)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FilterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "plugin.rumors.cprefilter.Filter",
    .tp_basicsize = sizeof(Filter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The pre-filter's tables held once, and its whole decision after the automaton scan.",
    .tp_new = filter_new,
    .tp_dealloc = (destructor)filter_dealloc,
    .tp_methods = filter_methods,
};

/* ---------------------------------------------------------------- question wording */

/* Frames(literals, particles, ends, marks): the expression of plugin.rumors.analysis.QuestionFrames, matched by
 * hand on a BMP text. At each position, leftmost first, the first of ``literals`` (in the expression's order)
 * written there; else a run of ``particles`` followed by one of ``ends`` or by the end of the text; else one of
 * ``marks``. ``strip(text)``: the text with every match removed, the character ending a particle run kept unless
 * it is one of ``marks`` (what ``QuestionFrames.sub("", text)`` gives); ValueError beyond the BMP. */
typedef struct {
    PyObject_HEAD
    Py_UCS2 *pool;                 /* the literals' characters, grouped by first character, in order in a group */
    Py_ssize_t *lit_start, *lit_len;  /* per grouped literal */
    Py_UCS2 *firsts;               /* the distinct first characters, ascending */
    Py_ssize_t *group;             /* literals of firsts[g]: group[g] .. group[g + 1] */
    Py_ssize_t n_lit, n_firsts;
    uint8_t any[8192];             /* bitmap: a first character, a particle or a mark */
    uint8_t particle[8192], end[8192], mark[8192];
} Frames;

#define BIT_SET(map, c) ((map)[(c) >> 3] |= (uint8_t)(1u << ((c) & 7)))
#define BIT_GET(map, c) (((map)[(c) >> 3] >> ((c) & 7)) & 1u)

static void
frames_dealloc(Frames *f)
{
    PyMem_Free(f->pool);
    PyMem_Free(f->lit_start);
    PyMem_Free(f->lit_len);
    PyMem_Free(f->firsts);
    PyMem_Free(f->group);
    Py_TYPE(f)->tp_free((PyObject *)f);
}

static int
bmp_set(PyObject *chars, uint8_t *map, uint8_t *any, const char *what)
{
    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(chars); k++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(chars, k);
        if (c >= 0x10000) {
            PyErr_Format(PyExc_ValueError, "%s beyond the BMP", what);
            return -1;
        }
        BIT_SET(map, c);
        if (any)
            BIT_SET(any, c);
    }
    return 0;
}

typedef struct {
    Py_UCS2 first;
    Py_ssize_t index;
} FirstOf;

static int
cmp_first(const void *a, const void *b)
{
    const FirstOf *x = a, *y = b;
    if (x->first != y->first)
        return (x->first > y->first) - (x->first < y->first);
    return (x->index > y->index) - (x->index < y->index);
}

static PyObject *
frames_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *literals, *particles, *ends, *marks;
    static char *kwlist[] = {"literals", "particles", "ends", "marks", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!UUU:Frames", kwlist, &PyList_Type, &literals, &particles, &ends,
                                     &marks))
        return NULL;
    Frames *f = (Frames *)type->tp_alloc(type, 0);  /* zeroed: the bitmaps empty, the pointers NULL */
    if (!f)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(literals), chars = 0;
    FirstOf *order = PyMem_Malloc(sizeof(FirstOf) * (size_t)(n ? n : 1));
    if (!order) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *lit = PyList_GET_ITEM(literals, k);
        if (!PyUnicode_Check(lit) || PyUnicode_GET_LENGTH(lit) == 0 || PyUnicode_KIND(lit) == PyUnicode_4BYTE_KIND) {
            PyErr_SetString(PyExc_ValueError, "literals must be non-empty str of the BMP");
            goto fail_order;
        }
        order[k].first = (Py_UCS2)PyUnicode_READ_CHAR(lit, 0);
        order[k].index = k;
        chars += PyUnicode_GET_LENGTH(lit);
    }
    qsort(order, (size_t)n, sizeof(FirstOf), cmp_first);
    f->pool = PyMem_Malloc(sizeof(Py_UCS2) * (size_t)(chars ? chars : 1));
    f->lit_start = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n ? n : 1));
    f->lit_len = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n ? n : 1));
    f->firsts = PyMem_Malloc(sizeof(Py_UCS2) * (size_t)(n ? n : 1));
    f->group = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    if (!f->pool || !f->lit_start || !f->lit_len || !f->firsts || !f->group) {
        PyErr_NoMemory();
        goto fail_order;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *lit = PyList_GET_ITEM(literals, order[k].index);
        Py_ssize_t len = PyUnicode_GET_LENGTH(lit);
        f->lit_start[k] = at;
        f->lit_len[k] = len;
        for (Py_ssize_t x = 0; x < len; x++)
            f->pool[at++] = (Py_UCS2)PyUnicode_READ_CHAR(lit, x);
        if (k == 0 || order[k].first != order[k - 1].first) {
            f->firsts[f->n_firsts] = order[k].first;
            f->group[f->n_firsts++] = k;
            BIT_SET(f->any, order[k].first);
        }
    }
    f->group[f->n_firsts] = n;
    f->n_lit = n;
    PyMem_Free(order);
    if (bmp_set(particles, f->particle, f->any, "particles") < 0 || bmp_set(ends, f->end, NULL, "ends") < 0
        || bmp_set(marks, f->mark, f->any, "marks") < 0)
        goto fail;
    return (PyObject *)f;
fail_order:
    PyMem_Free(order);
fail:
    Py_DECREF(f);
    return NULL;
}

/* The end of the first literal (in the expression's order) written at ``i``, or -1. */
static Py_ssize_t
literal_at(const Frames *f, int kind, const void *data, Py_ssize_t n, Py_ssize_t i)
{
    Py_UCS4 c = PyUnicode_READ(kind, data, i);
    Py_ssize_t lo = 0, hi = f->n_firsts;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (f->firsts[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == f->n_firsts || f->firsts[lo] != c)
        return -1;
    for (Py_ssize_t k = f->group[lo]; k < f->group[lo + 1]; k++) {
        Py_ssize_t len = f->lit_len[k];
        if (i + len > n)
            continue;
        const Py_UCS2 *chars = f->pool + f->lit_start[k];
        Py_ssize_t x = 1;
        while (x < len && chars[x] == PyUnicode_READ(kind, data, i + x))
            x++;
        if (x == len)
            return i + len;
    }
    return -1;
}

/* The first match of the expression at or after ``at`` (a text of ``kind`` 1 or 2): its start, its stop in ``*stop``
 * and in ``*keep`` what follows the replacement: for a particle run ended by a character that is no mark, that
 * character's offset; -2 for one ended by a mark (the replacement again); else -1. -1 when there is none. ``*no_run_before``: a particle run starting before it is known to fail (kept between
 * calls over one text, 0 at first). */
static Py_ssize_t
frames_next(const Frames *f, int kind, const void *data, Py_ssize_t n, Py_ssize_t at, Py_ssize_t *no_run_before,
            Py_ssize_t *stop, Py_ssize_t *keep)
{
    for (Py_ssize_t i = at; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (!BIT_GET(f->any, c))
            continue;
        *keep = -1;
        *stop = literal_at(f, kind, data, n, i);
        if (*stop < 0 && i >= *no_run_before && BIT_GET(f->particle, c)) {
            Py_ssize_t j = i + 1;
            while (j < n && BIT_GET(f->particle, PyUnicode_READ(kind, data, j)))
                j++;
            if (j == n)
                *stop = n;
            else {
                Py_UCS4 tail = PyUnicode_READ(kind, data, j);
                if (BIT_GET(f->end, tail)) {
                    *stop = j + 1;
                    *keep = BIT_GET(f->mark, tail) ? -2 : j;
                }
                else
                    *no_run_before = j;  /* (the run fails from any of its characters) */
            }
        }
        if (*stop < 0 && BIT_GET(f->mark, c))
            *stop = i + 1;
        if (*stop >= 0)
            return i;
    }
    return -1;
}

static PyObject *
frames_strip(Frames *f, PyObject *args)
{
    PyObject *text, *repl = NULL;
    if (!PyArg_ParseTuple(args, "U|U:strip", &text, &repl))
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), r = repl ? PyUnicode_GET_LENGTH(repl) : 0;
    if (kind == PyUnicode_4BYTE_KIND || (repl && PyUnicode_KIND(repl) == PyUnicode_4BYTE_KIND)) {
        PyErr_SetString(PyExc_ValueError, "text beyond the BMP");
        return NULL;
    }
    Py_UCS2 *out = NULL;
    Py_ssize_t m = 0, copied = 0, no_run_before = 0, stop, keep;
    for (Py_ssize_t i; (i = frames_next(f, kind, data, n, copied, &no_run_before, &stop, &keep)) >= 0;) {
        if (!out) {
            /* each match of at least one character becomes at most 2 * r + 1 characters */
            out = PyMem_Malloc(sizeof(Py_UCS2) * (size_t)(n * (2 * r + 1) + 1));
            if (!out)
                return PyErr_NoMemory();
        }
        for (Py_ssize_t x = copied; x < i; x++)
            out[m++] = (Py_UCS2)PyUnicode_READ(kind, data, x);
        for (Py_ssize_t x = 0; x < r; x++)
            out[m++] = (Py_UCS2)PyUnicode_READ_CHAR(repl, x);
        if (keep >= 0)
            out[m++] = (Py_UCS2)PyUnicode_READ(kind, data, keep);
        else if (keep == -2)
            for (Py_ssize_t x = 0; x < r; x++)  /* a particle run ended by a mark: the mark replaced too */
                out[m++] = (Py_UCS2)PyUnicode_READ_CHAR(repl, x);
        copied = stop;
    }
    if (!out)
        return Py_NewRef(text);
    for (Py_ssize_t x = copied; x < n; x++)
        out[m++] = (Py_UCS2)PyUnicode_READ(kind, data, x);
    PyObject *res = PyUnicode_FromKindAndData(PyUnicode_2BYTE_KIND, out, m);
    PyMem_Free(out);
    return res;
}

static PyObject *
frames_holds(Frames *f, PyObject *args)
{
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U:holds", &text))
        return NULL;
    int kind = PyUnicode_KIND(text);
    if (kind == PyUnicode_4BYTE_KIND) {
        PyErr_SetString(PyExc_ValueError, "text beyond the BMP");
        return NULL;
    }
    Py_ssize_t no_run_before = 0, stop, keep;
    return PyBool_FromLong(frames_next(f, kind, PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), 0, &no_run_before,
                                       &stop, &keep) >= 0);
}

static PyMethodDef frames_methods[] = {
    {"strip", (PyCFunction)frames_strip, METH_VARARGS,
     "strip(text, replacement='') -> str: QuestionFrames.sub(replacement, text); BMP texts only."},
    {"holds", (PyCFunction)frames_holds, METH_VARARGS,
     "holds(text) -> bool: whether the expression matches the text; BMP texts only."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FramesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "plugin.rumors.cprefilter.Frames",
    .tp_basicsize = sizeof(Frames),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The question wording of plugin.rumors.analysis.QuestionFrames, removed from a BMP text.",
    .tp_new = frames_new,
    .tp_dealloc = (destructor)frames_dealloc,
    .tp_methods = frames_methods,
};

static PyMethodDef methods[] = {
    {"claims_naming", claims_naming, METH_VARARGS, "Claims holding two key terms of a text (plugin.rumors.prefilter)."},
    {"explains", explains, METH_VARARGS, "Whether one of the claims explains a clause of the text (plugin.rumors.prefilter)."},
    {"sound_hits", sound_hits, METH_VARARGS, "Key terms a text holds as a sound-alike typo (plugin.rumors.prefilter)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "cprefilter", "The rumour pre-filter's per-claim work in C (plugin.rumors.prefilter).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit_cprefilter(void)
{
    if (PyType_Ready(&FilterType) < 0 || PyType_Ready(&FramesType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    if (PyModule_AddObjectRef(m, "Filter", (PyObject *)&FilterType) < 0
        || PyModule_AddObjectRef(m, "Frames", (PyObject *)&FramesType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
