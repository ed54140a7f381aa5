/* The upper bound of a rumour score in C (plugin.rumors.scoring.ClaimScorer.bound holds the pure-Python twin,
 * which computes the same bound: the reference, and the fallback when this extension is not built).
 *
 *   bound(query, claim, held, params, n_auto, curated) -> float
 *       query  = bytes written by ClaimScorer._query_blob (query_view below reads it): the text's words as ids of
 *                the scorer's vocabulary (claim words and sub-words; -1 for a word no claim has) with weights,
 *                subject flags, the characters each word's credit can rest on, the ids of the claim words each
 *                sounds like; its known word ids, pieces (sub-words and characters), keys (words and sub-words),
 *                every word heard, bigram ids with weights, intent word ids; total, bigram total, flags
 *       claim  = bytes written by ClaimScorer._claim_blob (claim_view): its word ids (ascending) with weights and
 *                flags (name, number), each word's character pairs as bigram ids, its sub-words with the words
 *                holding them, its bigram ids; word and bigram weight totals, long / names flags, the subject
 *       held   = the claim's characters (a str)
 *       params = (part, sound, pair_credit, base, content_words, min_claim_cover, short_cover, full_query,
 *                 evidence, rare_weight, low_cover_penalty, intent_penalty, topic_penalty, subject_penalty,
 *                 name_penalty, curated_score)
 *   Every set operation of the twin is a binary search or a merge over sorted ints here (no str hashed or
 *   compared). Sums run in another order than the twin's: callers compare with a margin.
 *
 *   top_candidates(keys, sounds, hits, need, k) -> list[tuple[int, float]]
 *       The candidate search of plugin.rumors.index (its Python twin there): every entry of the postings in
 *       ``keys`` then ``sounds`` ((sorted entries, weight), ...; entries as a list of ints or an array('i'), which
 *       the index stores: read straight from its buffer) gets the weight, summed in that order
 *       (once the weight of the keys left is under ``need``, a key posting longer than the entries met only
 *       adds to those); each entry of ``hits`` (trigger hits) 100 more; when ``need`` > 0 only entries with
 *       at least ``need`` are kept; the
 *       ``k`` best (entry, sum), highest first, ties in the order entries were first met (heapq.nlargest
 *       over the dict the twin fills).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define P_SIZE 16

/* ---- the two buffers the bound reads (ClaimScorer._claim_blob / _query_blob write them) ---- */

#define CLAIM_HEADER 8
#define QUERY_HEADER 12

typedef struct {
    Py_ssize_t n_words, n_subs, n_bigrams;
    int is_long, has_names, first;  /* first: position of the subject word, -1 none */
    double word_weight, bigram_weight;
    const double *weights;          /* [n_words], by word id order */
    const int32_t *words;           /* [n_words] word ids, ascending */
    const int32_t *pair_offsets;    /* [n_words + 1] into pairs */
    const int32_t *pairs;           /* bigram ids of each word's character pairs (-1: no claim's bigram) */
    const int32_t *subs;            /* [n_subs] sub-word ids, ascending */
    const int32_t *sub_offsets;     /* [n_subs + 1] into parents */
    const int32_t *parents;         /* positions of the words holding each sub-word */
    const int32_t *bigrams;         /* [n_bigrams] bigram ids, ascending */
    const uint8_t *flags;           /* [n_words]: 1 a name, 2 a number (#...) */
} ClaimView;

typedef struct {
    Py_ssize_t n_items, n_known, n_pieces, n_keys, n_heard, n_bigrams, n_intent;
    int intent, named, has_first;
    double total, bigram_total;
    const double *weights;          /* [n_items] */
    const double *bigram_weights;   /* [n_bigrams], by bigram id order */
    const int32_t *ids;             /* [n_items] word ids (-1: no claim's word) */
    const int32_t *first;           /* [n_items] 1 for the text's subject word */
    const int32_t *reach_offsets;   /* [n_items + 1] into reach */
    const uint32_t *reach;          /* the characters a word's credit can rest on */
    const int32_t *hom_offsets;     /* [n_items + 1] into homs; negative -1 - offset: the word has none */
    const int32_t *homs;            /* ids of the claim words a word sounds like */
    const int32_t *known, *pieces, *keys, *heard;  /* known: the text's word ids, ascending */
    const int32_t *bigrams;         /* [n_bigrams] bigram ids, ascending */
    const int32_t *intent_words;    /* ids (-1: no claim's word) */
} QueryView;

/* take ``count`` items of ``size`` bytes at *at of a buffer of ``len`` bytes; NULL when it is too short */
static const void *
take(const char *buf, Py_ssize_t len, Py_ssize_t *at, Py_ssize_t count, Py_ssize_t size)
{
    if (count < 0 || *at + count * size > len)
        return NULL;
    const void *p = buf + *at;
    *at += count * size;
    return p;
}

static int
malformed(const char *what)
{
    PyErr_Format(PyExc_ValueError, "bound: malformed %s buffer", what);
    return -1;
}

#define TAKE(dst, type, count) \
    do { \
        if (!((dst) = (const type *)take(buf, len, &at, (count), sizeof(type)))) \
            return malformed(what); \
    } while (0)

static int
claim_view(PyObject *blob, ClaimView *c)
{
    const char *what = "claim";
    if (!PyBytes_Check(blob))
        return malformed(what);
    const char *buf = PyBytes_AS_STRING(blob);
    Py_ssize_t len = PyBytes_GET_SIZE(blob), at = 0;
    if ((uintptr_t)buf % sizeof(double))
        return malformed(what);
    const int32_t *h;
    const double *d;
    TAKE(h, int32_t, CLAIM_HEADER);
    TAKE(d, double, 2);
    c->n_words = h[0];
    c->n_subs = h[2];
    c->n_bigrams = h[4];
    c->is_long = h[5] & 1;
    c->has_names = (h[5] & 2) != 0;
    c->first = h[6];
    c->word_weight = d[0];
    c->bigram_weight = d[1];
    TAKE(c->weights, double, c->n_words);
    TAKE(c->words, int32_t, c->n_words);
    TAKE(c->pair_offsets, int32_t, c->n_words + 1);
    TAKE(c->pairs, int32_t, h[1]);
    TAKE(c->subs, int32_t, c->n_subs);
    TAKE(c->sub_offsets, int32_t, c->n_subs + 1);
    TAKE(c->parents, int32_t, h[3]);
    TAKE(c->bigrams, int32_t, c->n_bigrams);
    TAKE(c->flags, uint8_t, c->n_words);
    if (at != len || c->first >= c->n_words || c->pair_offsets[c->n_words] != h[1] || c->sub_offsets[c->n_subs] != h[3])
        return malformed(what);
    for (Py_ssize_t k = 0; k < h[3]; k++)
        if (c->parents[k] < 0 || c->parents[k] >= c->n_words)
            return malformed(what);
    for (Py_ssize_t k = 0; k < c->n_words; k++)
        if (c->pair_offsets[k] < 0 || c->pair_offsets[k] > c->pair_offsets[k + 1])
            return malformed(what);
    for (Py_ssize_t k = 0; k < c->n_subs; k++)
        if (c->sub_offsets[k] < 0 || c->sub_offsets[k] > c->sub_offsets[k + 1])
            return malformed(what);
    return 0;
}

static int
query_view(PyObject *blob, QueryView *q)
{
    const char *what = "query";
    if (!PyBytes_Check(blob))
        return malformed(what);
    const char *buf = PyBytes_AS_STRING(blob);
    Py_ssize_t len = PyBytes_GET_SIZE(blob), at = 0;
    if ((uintptr_t)buf % sizeof(double))
        return malformed(what);
    const int32_t *h;
    const double *d;
    TAKE(h, int32_t, QUERY_HEADER);
    TAKE(d, double, 2);
    q->n_items = h[0];
    q->n_known = h[3];
    q->n_pieces = h[4];
    q->n_keys = h[5];
    q->n_heard = h[6];
    q->n_bigrams = h[7];
    q->n_intent = h[8];
    q->intent = h[9] & 1;
    q->named = (h[9] & 2) != 0;
    q->has_first = (h[9] & 4) != 0;
    q->total = d[0];
    q->bigram_total = d[1];
    TAKE(q->weights, double, q->n_items);
    TAKE(q->bigram_weights, double, q->n_bigrams);
    TAKE(q->ids, int32_t, q->n_items);
    TAKE(q->first, int32_t, q->n_items);
    TAKE(q->reach_offsets, int32_t, q->n_items + 1);
    TAKE(q->reach, uint32_t, h[1]);
    TAKE(q->hom_offsets, int32_t, q->n_items + 1);
    TAKE(q->homs, int32_t, h[2]);
    TAKE(q->known, int32_t, q->n_known);
    TAKE(q->pieces, int32_t, q->n_pieces);
    TAKE(q->keys, int32_t, q->n_keys);
    TAKE(q->heard, int32_t, q->n_heard);
    TAKE(q->bigrams, int32_t, q->n_bigrams);
    TAKE(q->intent_words, int32_t, q->n_intent);
    if (at != len || q->reach_offsets[q->n_items] != h[1])
        return malformed(what);
    for (Py_ssize_t k = 0; k < q->n_items; k++) {
        int32_t a = q->reach_offsets[k], b = q->reach_offsets[k + 1];
        int32_t ha = q->hom_offsets[k] < 0 ? -1 - q->hom_offsets[k] : q->hom_offsets[k];
        int32_t hb = q->hom_offsets[k + 1] < 0 ? -1 - q->hom_offsets[k + 1] : q->hom_offsets[k + 1];
        if (a < 0 || a > b || ha < 0 || ha > hb || hb > h[2])
            return malformed(what);
    }
    return 0;
}

#undef TAKE

/* position of ``id`` in the ascending ``ids`` (-1 when absent) */
static inline Py_ssize_t
find_id(const int32_t *ids, Py_ssize_t n, int32_t id)
{
    Py_ssize_t lo = 0, hi = n;
    if (id < 0)
        return -1;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) >> 1;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id ? lo : -1;
}

/* whether the str ``held`` holds the character ``ch`` */
static inline int
holds_char(PyObject *held, Py_UCS4 ch)
{
    int kind = PyUnicode_KIND(held);
    const void *data = PyUnicode_DATA(held);
    Py_ssize_t n = PyUnicode_GET_LENGTH(held);
    for (Py_ssize_t i = 0; i < n; i++)
        if (PyUnicode_READ(kind, data, i) == ch)
            return 1;
    return 0;
}

/* claim word states while the bound runs */
#define W_NONE 0
#define W_SAME 1   /* the text's own word */
#define W_MAYBE 2  /* one the text may explain (sub-word, character, parent, pair, sound) */

static PyObject *
bound(PyObject *self, PyObject *args)
{
    PyObject *qblob, *cblob, *held, *params;
    int n_auto, curated;
    if (!PyArg_ParseTuple(args, "OOUO!ip", &qblob, &cblob, &held, &PyTuple_Type, &params, &n_auto, &curated))
        return NULL;
    if (PyTuple_GET_SIZE(params) != P_SIZE) {
        PyErr_SetString(PyExc_ValueError, "bound: params of the wrong size");
        return NULL;
    }
    double p[P_SIZE];
    for (Py_ssize_t k = 0; k < P_SIZE; k++) {
        p[k] = PyFloat_AsDouble(PyTuple_GET_ITEM(params, k));
        if (p[k] == -1.0 && PyErr_Occurred())
            return NULL;
    }
    const double part = p[0], sound = p[1], pair_credit = p[2], base = p[3], content_words = p[4],
                 min_claim_cover = p[5], short_cover = p[6], full_query = p[7], evidence = p[8], rare_weight = p[9],
                 low_cover_penalty = p[10], intent_penalty = p[11], topic_penalty = p[12],
                 subject_penalty = p[13], name_penalty = p[14], curated_score = p[15];
    if (curated)
        return PyFloat_FromDouble(curated_score);
    QueryView q;
    ClaimView c;
    if (query_view(qblob, &q) < 0 || claim_view(cblob, &c) < 0)
        return NULL;
    if (q.n_items < 2)
        return PyFloat_FromDouble(0.0);

    /* the text's side: its own word in the claim 1, a word sharing a character with the claim at most part,
     * sound when it may sound like a claim word */
    double q_ub = 0.0, top_weight = 0.0;
    Py_ssize_t n_shared = 0;
    int first_missing = 0;
    for (Py_ssize_t k = 0; k < q.n_items; k++) {
        double cr = 0.0;
        if (find_id(c.words, c.n_words, q.ids[k]) >= 0)
            cr = 1.0;
        else
            for (int32_t j = q.reach_offsets[k]; j < q.reach_offsets[k + 1]; j++)
                if (holds_char(held, q.reach[j])) {
                    cr = part;
                    break;
                }
        if (cr < sound && q.hom_offsets[k + 1] >= 0) {  /* the word has homophones */
            int32_t a = q.hom_offsets[k] < 0 ? -1 - q.hom_offsets[k] : q.hom_offsets[k];
            for (int32_t j = a; j < q.hom_offsets[k + 1]; j++)
                if (find_id(c.words, c.n_words, q.homs[j]) >= 0) {
                    cr = sound;
                    break;
                }
        }
        if (cr > 0.0) {
            q_ub += cr * q.weights[k];
            n_shared++;
            top_weight = q.weights[k];
        }
        else if (q.first[k])
            first_missing = 1;
    }
    if (!n_shared)
        return PyFloat_FromDouble(0.0);

    /* the claim's side: the words claim_credit can credit, found from the text's side */
    uint8_t small[256];
    uint8_t *state = c.n_words <= 256 ? small : PyMem_Malloc(c.n_words);
    if (!state)
        return PyErr_NoMemory();
    memset(state, W_NONE, c.n_words);
    double same_sum = 0.0, maybe_sum = 0.0, c_ub, sb = 0.0;
    for (Py_ssize_t k = 0; k < q.n_known; k++) {
        Py_ssize_t at = find_id(c.words, c.n_words, q.known[k]);
        if (at >= 0 && state[at] == W_NONE) {
            state[at] = W_SAME;
            same_sum += c.weights[at];
        }
    }
    for (Py_ssize_t k = 0; k < q.n_pieces; k++) {  /* 0.7 / 0.5 */
        Py_ssize_t at = find_id(c.words, c.n_words, q.pieces[k]);
        if (at >= 0 && state[at] == W_NONE)
            state[at] = W_MAYBE;
    }
    for (Py_ssize_t k = 0; k < q.n_keys; k++) {  /* parents: _sub_credit <= 0.7, else 0.4 */
        Py_ssize_t s = find_id(c.subs, c.n_subs, q.keys[k]);
        if (s < 0)
            continue;
        for (int32_t j = c.sub_offsets[s]; j < c.sub_offsets[s + 1]; j++)
            if (state[c.parents[j]] == W_NONE)
                state[c.parents[j]] = W_MAYBE;
    }
    for (Py_ssize_t k = 0; k < c.n_words; k++)
        if (state[k] == W_MAYBE)
            maybe_sum += c.weights[k];
    c_ub = same_sum + 0.7 * maybe_sum;
    /* the bigrams in common (both ascending: a merge) */
    int32_t common_small[64];
    Py_ssize_t n_common = 0, cap = q.n_bigrams < c.n_bigrams ? q.n_bigrams : c.n_bigrams;
    int32_t *common = cap <= 64 ? common_small : PyMem_Malloc(sizeof(int32_t) * (cap ? cap : 1));
    if (!common) {
        if (state != small)
            PyMem_Free(state);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0, j = 0; i < q.n_bigrams && j < c.n_bigrams;) {
        if (q.bigrams[i] < c.bigrams[j])
            i++;
        else if (q.bigrams[i] > c.bigrams[j])
            j++;
        else {
            sb += q.bigram_weights[i];
            common[n_common++] = q.bigrams[i];
            i++;
            j++;
        }
    }
    if (n_common && !c.is_long) {  /* character-pair credit: pair_credit * the share of a word's pairs in common */
        for (Py_ssize_t k = 0; k < c.n_words; k++) {
            int32_t a = c.pair_offsets[k], b = c.pair_offsets[k + 1];
            if (state[k] != W_NONE || a == b)
                continue;
            Py_ssize_t got = 0;
            for (int32_t j = a; j < b; j++)
                got += find_id(common, n_common, c.pairs[j]) >= 0;
            if (got) {
                c_ub += pair_credit * (double)got / (double)(b - a) * c.weights[k];
                state[k] = W_MAYBE;
            }
        }
    }
    for (Py_ssize_t k = 0; k < q.n_heard; k++) {  /* a claim word a text word sounds like: sound */
        Py_ssize_t at = find_id(c.words, c.n_words, q.heard[k]);
        if (at >= 0 && state[at] != W_SAME) {
            c_ub += sound * c.weights[at];
            state[at] = W_MAYBE;
        }
    }
    if (common != common_small)
        PyMem_Free(common);

    double tq = q_ub / q.total;
    double qs = 0.8 * tq + 0.2 * sb / q.bigram_total;
    double tc = c_ub / c.word_weight;
    double cs = 0.8 * (tc < 1.0 ? tc : 1.0) + 0.2 * sb / c.bigram_weight;
    double post_at = 1.5 * (double)c.n_words;
    if (post_at < content_words)
        post_at = content_words;
    double score;
    if ((double)q.n_items >= post_at)
        score = cs * (base + (1 - base) * qs);
    else {
        score = qs * (base + (1 - base) * cs);
        int specific = tq >= full_query && q_ub >= evidence && cs >= min_claim_cover * short_cover;
        if (cs < min_claim_cover && !specific)
            score *= low_cover_penalty;
        int intent = q.intent;
        for (Py_ssize_t k = 0; k < q.n_intent && !intent; k++)
            intent = find_id(c.words, c.n_words, q.intent_words[k]) < 0;
        /* what the credited claim words can be: plain words (neither names nor numbers), names, the subject */
        int plain = 0, named = 0;
        for (Py_ssize_t k = 0; k < c.n_words; k++)
            if (state[k] != W_NONE) {
                named |= c.flags[k] & 1;
                plain |= !(c.flags[k] & 3);
            }
        if (intent)
            score *= intent_penalty;
        else if (!plain)
            score *= topic_penalty;
        if (q.has_first && c.first >= 0 && first_missing && state[c.first] == W_NONE)
            score *= subject_penalty;
        if (c.has_names && !q.named && !named)
            score *= name_penalty;
    }
    if (state != small)
        PyMem_Free(state);
    score += 0.05 * (n_auto < 2 ? n_auto : 2);
    if (n_shared < 2 && !(top_weight >= rare_weight && tq >= 0.8))
        score *= 0.5;
    return PyFloat_FromDouble(score < 1.0 ? score : 1.0);
}

/* ---- the candidate search ---- */

typedef struct {
    long *ids;       /* entries in the order first met */
    double *sums;
    Py_ssize_t n;
    Py_ssize_t *table;  /* open addressing: index + 1 into ids (0: empty) */
    size_t mask;
} Acc;

static int
acc_add(Acc *a, long id, double w, int insert)
{
    size_t h = ((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 20;
    for (;;) {
        size_t slot = h & a->mask;
        Py_ssize_t at = a->table[slot];
        if (!at) {
            if (!insert)
                return 0;
            a->ids[a->n] = id;
            a->sums[a->n] = 0.0 + w;
            a->table[slot] = ++a->n;
            return 0;
        }
        if (a->ids[at - 1] == id) {
            a->sums[at - 1] += w;
            return 0;
        }
        h++;
    }
}

/* a before b: a larger sum, or the same sum met first */
static int
ranks_before(const Acc *a, Py_ssize_t x, Py_ssize_t y)
{
    return a->sums[x] > a->sums[y] || (a->sums[x] == a->sums[y] && x < y);
}

/* a posting: a list of ints, or a buffer of C ints (array('i'): what the index stores, read without touching an
 * int object per entry) */
typedef struct {
    PyObject *list;  /* the list, or NULL for a buffer */
    Py_buffer view;
    Py_ssize_t n;
} Posting;

static int
posting_open(PyObject *post, Posting *p)
{
    p->list = NULL;
    p->view.obj = NULL;
    if (PyList_Check(post)) {
        p->list = post;
        p->n = PyList_GET_SIZE(post);
        return 0;
    }
    if (PyObject_GetBuffer(post, &p->view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "top_candidates: keys must be (list, weight) tuples");
        return -1;
    }
    if (p->view.itemsize != sizeof(int) || !p->view.format || strcmp(p->view.format, "i") != 0) {
        PyBuffer_Release(&p->view);
        p->view.obj = NULL;
        PyErr_SetString(PyExc_TypeError, "top_candidates: a posting buffer must hold C ints (array('i'))");
        return -1;
    }
    p->n = p->view.len / (Py_ssize_t)sizeof(int);
    return 0;
}

static void
posting_close(Posting *p)
{
    if (p->view.obj)
        PyBuffer_Release(&p->view);
    p->view.obj = NULL;
}

/* an int's value, -1 with an exception set for anything else: no conversion method (no Python code) runs, so
   the lists and postings read in two passes cannot change between them */
static inline long
int_value(PyObject *o)
{
    if (!PyLong_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "top_candidates: entry ids must be ints");
        return -1;
    }
    return PyLong_AsLong(o);
}

/* entry i of a posting (-1 with an exception set on a bad item) */
static inline long
posting_at(const Posting *p, Py_ssize_t i)
{
    if (!p->list)
        return ((const int *)p->view.buf)[i];
    return int_value(PyList_GET_ITEM(p->list, i));
}

/* a key's weight: a float or an int (-1.0 with an exception set for anything else; no Python code runs) */
static inline double
key_weight(PyObject *w)
{
    if (PyFloat_Check(w))
        return PyFloat_AS_DOUBLE(w);
    if (PyLong_CheckExact(w))
        return PyLong_AsDouble(w);
    PyErr_SetString(PyExc_TypeError, "top_candidates: key weights must be floats");
    return -1.0;
}

static PyObject *
top_candidates(PyObject *self, PyObject *args)
{
    PyObject *keys, *sounds, *hits;
    double need;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "O!O!Odn", &PyList_Type, &keys, &PyList_Type, &sounds, &hits, &need, &k))
        return NULL;
    PyObject *hit_list = PySequence_List(hits);
    if (!hit_list)
        return NULL;
    Py_ssize_t total = PyList_GET_SIZE(hit_list);
    double rest = 0.0, rest_sounds = 0.0;
    for (int part = 0; part < 2; part++) {
        PyObject *list = part ? sounds : keys;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(list); j++) {
            PyObject *kw = PyList_GET_ITEM(list, j);
            Posting post;
            if (!PyTuple_Check(kw) || PyTuple_GET_SIZE(kw) != 2) {
                Py_DECREF(hit_list);
                PyErr_SetString(PyExc_TypeError, "top_candidates: keys must be (list, weight) tuples");
                return NULL;
            }
            if (posting_open(PyTuple_GET_ITEM(kw, 0), &post) < 0) {
                Py_DECREF(hit_list);
                return NULL;
            }
            posting_close(&post);
            double w = key_weight(PyTuple_GET_ITEM(kw, 1));
            if (w == -1.0 && PyErr_Occurred()) {
                Py_DECREF(hit_list);
                return NULL;
            }
            *(part ? &rest_sounds : &rest) += w;
            total += post.n;
        }
    }
    rest += rest_sounds;  /* the weight of the postings left (the twin's order of sums) */
    if (k > total)  /* no more candidates than entries read (the twin's min(k, len(acc))): bounds the allocation */
        k = total;
    size_t cap = 16;
    while (cap < 2 * (size_t)total)
        cap <<= 1;
    Acc a = {PyMem_Malloc(sizeof(long) * (total + 1)), PyMem_Malloc(sizeof(double) * (total + 1)), 0,
             PyMem_Calloc(cap, sizeof(Py_ssize_t)), cap - 1};
    Py_ssize_t *top = PyMem_Malloc(sizeof(Py_ssize_t) * (k > 0 ? k : 1));
    PyObject *out = NULL;
    if (!a.ids || !a.sums || !a.table || !top) {
        PyErr_NoMemory();
        goto done;
    }
    for (int part = 0; part < 2; part++) {
        PyObject *list = part ? sounds : keys;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(list); j++) {
            PyObject *kw = PyList_GET_ITEM(list, j);
            Posting post;
            double w = key_weight(PyTuple_GET_ITEM(kw, 1));
            if (posting_open(PyTuple_GET_ITEM(kw, 0), &post) < 0)
                goto done;
            /* once the keys left cannot lift an entry not yet met to need, a longer posting only adds to
             * the entries met (the twin's bisection) */
            int insert = part || !(a.n && need > 0 && rest < need && post.n > a.n);
            for (Py_ssize_t i = 0; i < post.n; i++) {
                long id = posting_at(&post, i);
                if (id == -1 && PyErr_Occurred()) {
                    posting_close(&post);
                    goto done;
                }
                acc_add(&a, id, w, insert);
            }
            posting_close(&post);
            if (!part)
                rest -= w;
        }
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(hit_list); i++) {
        long id = int_value(PyList_GET_ITEM(hit_list, i));
        if (id == -1 && PyErr_Occurred())
            goto done;
        acc_add(&a, id, 100.0, 1);
    }
    Py_ssize_t n_top = 0;
    for (Py_ssize_t x = 0; x < a.n && k > 0; x++) {  /* insertion into the k best, best first */
        if (need > 0 && !(a.sums[x] >= need))
            continue;
        if (n_top == k && !ranks_before(&a, x, top[k - 1]))
            continue;
        Py_ssize_t at = n_top < k ? n_top++ : k - 1;
        while (at > 0 && ranks_before(&a, x, top[at - 1])) {
            top[at] = top[at - 1];
            at--;
        }
        top[at] = x;
    }
    out = PyList_New(n_top);
    if (!out)
        goto done;
    for (Py_ssize_t j = 0; j < n_top; j++) {
        PyObject *pair = Py_BuildValue("(ld)", a.ids[top[j]], a.sums[top[j]]);
        if (!pair) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, j, pair);
    }
done:
    Py_DECREF(hit_list);
    PyMem_Free(a.ids);
    PyMem_Free(a.sums);
    PyMem_Free(a.table);
    PyMem_Free(top);
    return out;
}

static PyMethodDef methods[] = {
    {"bound", bound, METH_VARARGS, "An upper bound of a rumour score (plugin.rumors.scoring.ClaimScorer.bound)."},
    {"top_candidates", top_candidates, METH_VARARGS, "The best candidates of the postings (plugin.rumors.index)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "cscoring", "The rumour score's upper bound and the candidate search in C (plugin.rumors.scoring, plugin.rumors.index).", -1, methods,
};

PyMODINIT_FUNC
PyInit_cscoring(void)
{
    return PyModule_Create(&module);
}
