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
 *       ``max_len`` characters whose characters sound as a term's (``codes``: a syllable code per BMP
 *       character, 0 for none), that differs from the term (``terms[slot]``) in exactly one character, and
 *       that reads as a typo: the two characters differing are no filler (``filler``: a flag per BMP
 *       character), a window of two characters is no common word, and neither edge of the window forms a
 *       common word with the character beside it (``common``: the common two-character words, as
 *       ``first << 16 | second``, sorted). ``sound_tables = (codes uint16[65536], keys uint64, start int32,
 *       count int32, slots int32, filler uint8[65536], common uint32, prefixes uint8[PREFIX_BYTES])``:
 *       ``keys`` .. ``slots`` an open-addressing table (``count`` 0: empty) from the FNV-1a hash of a term's
 *       codes to its slots (``slots[start:start + count]``, ascending); ``prefixes`` a bitmap of the hashes
 *       of every term's code prefixes of two or more (bit ``(h ^ h >> 29) & (PREFIX_BITS - 1)``): a window
 *       whose prefix has no bit set is extended no further (at 100k rumours the table is megabytes and each
 *       probe a cache miss; the bitmap, 128 KB, answers most windows). (slot, end character) in window
 *       order: start, then length, then slot.
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
    int32_t *seeds = NULL, *hits = NULL, *claims = NULL, *shared = NULL, *last = NULL;
    double *weight = NULL;
    Py_ssize_t n_seeds, n_hits;
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
    /* the claims owning a seed, each once */
    Py_ssize_t total = 0, start, stop;
    for (Py_ssize_t k = 0; k < n_seeds; k++) {
        if (row_of(&t, T_OWNER_OFF, T_OWNER_FLAT, seeds[k], &start, &stop) < 0)
            goto done;
        total += stop - start;
    }
    claims = PyMem_Malloc(sizeof(int32_t) * (total ? total : 1));
    if (!claims) {
        PyErr_NoMemory();
        goto done;
    }
    const int32_t *owner_flat = TAB(&t, T_OWNER_FLAT, int32_t);
    Py_ssize_t n = 0;
    for (Py_ssize_t k = 0; k < n_seeds; k++) {
        row_of(&t, T_OWNER_OFF, T_OWNER_FLAT, seeds[k], &start, &stop);
        memcpy(claims + n, owner_flat + start, sizeof(int32_t) * (size_t)(stop - start));
        n += stop - start;
    }
    if (n_seeds > 1)
        qsort(claims, (size_t)n, sizeof(int32_t), cmp_int32);
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
    const double *idf = TAB(&t, T_IDF, double);
    for (Py_ssize_t h = 0; h < n_hits; h++) {
        if (row_of(&t, T_OWNER_OFF, T_OWNER_FLAT, hits[h], &start, &stop) < 0)
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
    if (!(result = PyList_New(0)))
        goto done;
    const uint8_t *rare = TAB(&t, T_RARE, uint8_t);
    const double *need = TAB(&t, T_NEED, double);
    for (Py_ssize_t k = 0; k < m; k++) {
        int32_t c = claims[k];
        if (c < 0 || c >= t.n_claims) {
            PyErr_SetString(PyExc_ValueError, "owner out of range");
            Py_CLEAR(result);
            goto done;
        }
        if (!(shared[k] >= 2 || (shared[k] == 1 && rare[last[k]])))
            continue;
        if (is_short && weight[k] < need[c])
            continue;
        PyObject *v = PyLong_FromLong(c);
        if (!v || PyList_Append(result, v) < 0) {
            Py_XDECREF(v);
            Py_CLEAR(result);
            goto done;
        }
        Py_DECREF(v);
        if (!is_short)
            break;
    }
done:
    PyMem_Free(seeds);
    PyMem_Free(hits);
    PyMem_Free(claims);
    PyMem_Free(shared);
    PyMem_Free(last);
    PyMem_Free(weight);
    release_tables(&t);
    return result;
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
    const int32_t *claim_flat = TAB(&t, T_CLAIM_FLAT, int32_t);
    const int32_t *char_flat = TAB(&t, T_CHAR_FLAT, int32_t);
    const int32_t *term_len = TAB(&t, T_TERM_LEN, int32_t);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    int explained = 0;
    for (Py_ssize_t c = 0; c < n_claims && !explained; c++) {
        Py_ssize_t s0, s1, c0, c1;
        if (row_of(&t, T_CLAIM_OFF, T_CLAIM_FLAT, claims[c], &s0, &s1) < 0
            || row_of(&t, T_CHAR_OFF, T_CHAR_FLAT, claims[c], &c0, &c1) < 0)
            goto done;
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

enum { S_CODES, S_KEYS, S_START, S_COUNT, S_SLOTS, S_FILLER, S_COMMON, S_PREFIXES, S_N };
static const Py_ssize_t S_ITEM_SIZE[S_N] = {2, 8, 4, 4, 4, 1, 4, 1};
#define PREFIX_BITS ((uint64_t)1 << 20)

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
#define MAX_SOUND_LEN 16

static PyObject *
sound_hits(PyObject *self, PyObject *args)
{
    PyObject *stables, *terms, *text;
    Py_ssize_t max_len;
    if (!PyArg_ParseTuple(args, "O!O!Un:sound_hits", &PyTuple_Type, &stables, &PyList_Type, &terms, &text, &max_len))
        return NULL;
    if (PyTuple_GET_SIZE(stables) != S_N) {
        PyErr_SetString(PyExc_TypeError, "sound_tables must be a tuple of 8 buffers");
        return NULL;
    }
    if (max_len < 2 || max_len > MAX_SOUND_LEN) {
        PyErr_SetString(PyExc_ValueError, "max_len out of range");
        return NULL;
    }
    Py_buffer b[S_N];
    int held = 0;
    PyObject *out = NULL;
    for (; held < S_N; held++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(stables, held), &b[held], PyBUF_SIMPLE) < 0)
            goto done;
        if (b[held].len % S_ITEM_SIZE[held]) {
            held++;
            PyErr_SetString(PyExc_ValueError, "a table's size is not a whole number of items");
            goto done;
        }
    }
    const uint16_t *codes = (const uint16_t *)b[S_CODES].buf;
    const uint64_t *keys = (const uint64_t *)b[S_KEYS].buf;
    const int32_t *start = (const int32_t *)b[S_START].buf;
    const int32_t *count = (const int32_t *)b[S_COUNT].buf;
    const int32_t *slots = (const int32_t *)b[S_SLOTS].buf;
    const uint8_t *filler = (const uint8_t *)b[S_FILLER].buf;
    const uint32_t *common = (const uint32_t *)b[S_COMMON].buf;
    const uint8_t *prefixes = (const uint8_t *)b[S_PREFIXES].buf;
    Py_ssize_t size = b[S_KEYS].len / 8, n_slots = b[S_SLOTS].len / 4, n_terms = PyList_GET_SIZE(terms);
    Py_ssize_t n_common = b[S_COMMON].len / 4;
    if (b[S_CODES].len != 2 * 65536 || b[S_FILLER].len != 65536 || b[S_START].len / 4 != size
        || b[S_COUNT].len / 4 != size || (size & (size - 1)) || b[S_PREFIXES].len != (Py_ssize_t)(PREFIX_BITS / 8)) {
        PyErr_SetString(PyExc_ValueError, "sound tables of wrong sizes");
        goto done;
    }
    out = PyList_New(0);
    if (out == NULL || size == 0)
        goto done;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    uint64_t mask = (uint64_t)size - 1;
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
            if (!((prefixes[bit >> 3] >> (bit & 7)) & 1))
                break;  /* no term's codes start so: no longer window either */
            for (uint64_t p = (h ^ (h >> 29)) & mask;; p = (p + 1) & mask) {
                if (count[p] == 0)
                    break;
                if (keys[p] != h)
                    continue;
                if (start[p] < 0 || count[p] < 0 || (Py_ssize_t)start[p] + count[p] > n_slots) {
                    PyErr_SetString(PyExc_ValueError, "sound table rows out of range");
                    Py_CLEAR(out);
                    goto done;
                }
                for (int32_t j = start[p]; j < start[p] + count[p]; j++) {
                    int32_t slot = slots[j];
                    if (slot < 0 || slot >= n_terms) {
                        PyErr_SetString(PyExc_IndexError, "slot out of range");
                        Py_CLEAR(out);
                        goto done;
                    }
                    PyObject *term = PyList_GET_ITEM(terms, slot);
                    if (!PyUnicode_Check(term) || PyUnicode_GET_LENGTH(term) != k)
                        continue;
                    int tkind = PyUnicode_KIND(term);
                    const void *tdata = PyUnicode_DATA(term);
                    Py_ssize_t diffs = 0;
                    for (Py_ssize_t x = 0; x < k; x++) {
                        Py_UCS4 a = PyUnicode_READ(kind, data, i + x), t = PyUnicode_READ(tkind, tdata, x);
                        if (a == t)
                            continue;
                        if (t >= 0x10000 || codes[t] != codes[a]) {  /* a hash collision */
                            diffs = 2;
                            break;
                        }
                        if (filler[t] || filler[a]) {  /* a particle or a numeral written otherwise: no typo */
                            diffs = 2;
                            break;
                        }
                        diffs++;
                    }
                    if (diffs != 1)
                        continue;
                    if ((k == 2 && common_pair(common, n_common, PyUnicode_READ(kind, data, i),
                                               PyUnicode_READ(kind, data, i + 1)))
                        || (i > 0 && common_pair(common, n_common, PyUnicode_READ(kind, data, i - 1),
                                                 PyUnicode_READ(kind, data, i)))
                        || (i + k < n && common_pair(common, n_common, PyUnicode_READ(kind, data, i + k - 1),
                                                     PyUnicode_READ(kind, data, i + k))))
                        continue;  /* a common word of its own, or glued to a neighbour in one */
                    PyObject *hit = Py_BuildValue("(in)", slot, i + k - 1);
                    if (hit == NULL || PyList_Append(out, hit) < 0) {
                        Py_XDECREF(hit);
                        Py_CLEAR(out);
                        goto done;
                    }
                    Py_DECREF(hit);
                }
                break;
            }
        }
    }
done:
    for (int k = 0; k < held; k++)
        PyBuffer_Release(&b[k]);
    return out;
}

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
    return PyModule_Create(&module);
}
