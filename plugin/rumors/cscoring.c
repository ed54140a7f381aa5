/* The upper bound of a rumour score in C (plugin.rumors.scoring.ClaimScorer.bound holds the pure-Python twin,
 * which computes the same bound: the reference, and the fallback when this extension is not built).
 *
 *   bound(query, claim, params, pair_words, n_auto, curated) -> float
 *       query  = (items, words, pieces, keys, heard, bigram_weights, first, total, bigram_total, intent,
 *                 intent_words, named, bigrams)
 *                 items: ((word, weight, reach, homophones or None), ...) with reach the characters of the
 *                 word and of its sub-words (a tuple of 1-character str); pieces: sub-words and characters of
 *                 the query's words; keys: its words then sub-words; heard: every claim word a query word
 *                 sounds like; bigram_weights: {bigram: weight} of the query's bigrams
 *       claim  = (words, held (a str of characters), sub_parents, weights, first, names, long, word_weight, bigram_weight, n_words,
 *                 bigrams)
 *       params = (part, sound, pair_credit, base, content_words, min_claim_cover, short_cover, full_query,
 *                 evidence, rare_weight, low_cover_penalty, intent_penalty, topic_penalty, subject_penalty,
 *                 name_penalty, curated_score)
 *       pair_words: {character pair: set of claim words holding it}
 *   Sums run in another order than the twin's: callers compare with a margin.
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

#define Q_ITEMS 0
#define Q_WORDS 1
#define Q_PIECES 2
#define Q_KEYS 3
#define Q_HEARD 4
#define Q_BIGRAM_WEIGHTS 5
#define Q_FIRST 6
#define Q_TOTAL 7
#define Q_BIGRAM_TOTAL 8
#define Q_INTENT 9
#define Q_INTENT_WORDS 10
#define Q_NAMED 11
#define Q_BIGRAMS 12
#define Q_SIZE 13

#define E_WORDS 0
#define E_HELD 1
#define E_PARENTS 2
#define E_WEIGHTS 3
#define E_FIRST 4
#define E_NAMES 5
#define E_LONG 6
#define E_WORD_WEIGHT 7
#define E_BIGRAM_WEIGHT 8
#define E_N_WORDS 9
#define E_BIGRAMS 10
#define E_SIZE 11

#define P_SIZE 16

/* the weight of a claim word or bigram in ``weights`` (0 when absent) */
static int
weight_of(PyObject *weights, PyObject *word, double *out)
{
    PyObject *w = PyDict_GetItemWithError(weights, word);
    if (!w) {
        if (PyErr_Occurred())
            return -1;
        *out = 0.0;
        return 0;
    }
    *out = PyFloat_AsDouble(w);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* add the words of ``iterable`` not in ``skip`` (a set or frozenset) to the set ``into``; -1 on error */
static int
add_words(PyObject *into, PyObject *iterable, PyObject *skip)
{
    PyObject *it = PyObject_GetIter(iterable);
    if (!it)
        return -1;
    PyObject *t;
    while ((t = PyIter_Next(it))) {
        int in_skip = PySet_Contains(skip, t);
        if (in_skip < 0 || (!in_skip && PySet_Add(into, t) < 0)) {
            Py_DECREF(t);
            Py_DECREF(it);
            return -1;
        }
        Py_DECREF(t);
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

/* the sum of the claim weights of ``words`` */
static int
weight_sum(PyObject *weights, PyObject *words, double *out)
{
    double sum = 0.0, w;
    PyObject *it = PyObject_GetIter(words);
    if (!it)
        return -1;
    PyObject *t;
    while ((t = PyIter_Next(it))) {
        int bad = weight_of(weights, t, &w);
        Py_DECREF(t);
        if (bad) {
            Py_DECREF(it);
            return -1;
        }
        sum += w;
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return -1;
    *out = sum;
    return 0;
}

static PyObject *
bound(PyObject *self, PyObject *args)
{
    PyObject *query, *claim, *params, *pair_words;
    int n_auto, curated;
    if (!PyArg_ParseTuple(args, "O!O!O!O!ip", &PyTuple_Type, &query, &PyTuple_Type, &claim, &PyTuple_Type, &params,
                          &PyDict_Type, &pair_words, &n_auto, &curated))
        return NULL;
    if (PyTuple_GET_SIZE(query) != Q_SIZE || PyTuple_GET_SIZE(claim) != E_SIZE || PyTuple_GET_SIZE(params) != P_SIZE) {
        PyErr_SetString(PyExc_ValueError, "bound: query, claim or params of the wrong size");
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
    PyObject *items = PyTuple_GET_ITEM(query, Q_ITEMS);
    PyObject *qwords = PyTuple_GET_ITEM(query, Q_WORDS);
    PyObject *qfirst = PyTuple_GET_ITEM(query, Q_FIRST);
    PyObject *ewords = PyTuple_GET_ITEM(claim, E_WORDS);
    PyObject *held = PyTuple_GET_ITEM(claim, E_HELD);
    PyObject *eweights = PyTuple_GET_ITEM(claim, E_WEIGHTS);
    if (!PyTuple_Check(items) || !PyAnySet_Check(qwords) || !PyAnySet_Check(ewords) || !PyUnicode_Check(held) ||
        !PyDict_Check(eweights)) {
        PyErr_SetString(PyExc_TypeError, "bound: malformed query or claim");
        return NULL;
    }
    Py_ssize_t n_q = PyTuple_GET_SIZE(items);
    if (n_q < 2)
        return PyFloat_FromDouble(0.0);

    /* the text's side: its own word in the claim 1, a word sharing a character with the claim at most part,
     * sound when it may sound like a claim word */
    double q_ub = 0.0, top_weight = 0.0;
    Py_ssize_t n_shared = 0;
    int first_missing = 0;
    for (Py_ssize_t k = 0; k < n_q; k++) {
        PyObject *item = PyTuple_GET_ITEM(items, k);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 4) {
            PyErr_SetString(PyExc_TypeError, "bound: malformed query item");
            return NULL;
        }
        PyObject *t = PyTuple_GET_ITEM(item, 0), *reach = PyTuple_GET_ITEM(item, 2), *hom = PyTuple_GET_ITEM(item, 3);
        double wt = PyFloat_AsDouble(PyTuple_GET_ITEM(item, 1));
        if (wt == -1.0 && PyErr_Occurred())
            return NULL;
        int in = PySet_Contains(ewords, t);
        if (in < 0)
            return NULL;
        double c = 0.0;
        if (in)
            c = 1.0;
        else {
            if (!PyTuple_Check(reach))
                return PyErr_Format(PyExc_TypeError, "bound: reach must be a tuple");
            for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(reach); j++) {
                PyObject *ch = PyTuple_GET_ITEM(reach, j);
                if (!PyUnicode_Check(ch) || PyUnicode_GET_LENGTH(ch) != 1)
                    return PyErr_Format(PyExc_TypeError, "bound: reach must hold characters");
                Py_ssize_t at = PyUnicode_FindChar(held, PyUnicode_READ_CHAR(ch, 0), 0, PyUnicode_GET_LENGTH(held), 1);
                if (at == -2)
                    return NULL;
                if (at >= 0) {
                    c = part;
                    break;
                }
            }
        }
        if (c < sound && hom != Py_None) {
            PyObject *it = PyObject_GetIter(hom);
            if (!it)
                return NULL;
            PyObject *h;
            while ((h = PyIter_Next(it))) {
                int hin = PySet_Contains(ewords, h);
                Py_DECREF(h);
                if (hin < 0) {
                    Py_DECREF(it);
                    return NULL;
                }
                if (hin) {
                    c = sound;
                    break;
                }
            }
            Py_DECREF(it);
            if (PyErr_Occurred())
                return NULL;
        }
        if (c > 0.0) {
            q_ub += c * wt;
            n_shared++;
            top_weight = wt;
        }
        else if (PyUnicode_Check(qfirst) && PyUnicode_Compare(t, qfirst) == 0)
            first_missing = 1;
        else if (PyErr_Occurred())
            return NULL;
    }
    if (!n_shared)
        return PyFloat_FromDouble(0.0);

    /* the claim's side: the words claim_credit can credit, found from the text's side */
    PyObject *same = NULL, *maybe = NULL, *common = NULL, *tmp = NULL, *paired = NULL;
    PyObject *result = NULL;
    double c_ub = 0.0, sb = 0.0, w;
    same = PyNumber_And(qwords, ewords);
    maybe = PySet_New(NULL);
    common = PySet_New(NULL);
    if (!same || !maybe || !common)
        goto done;
    {
        double s_same;
        if (weight_sum(eweights, same, &s_same) < 0)
            goto done;
        c_ub = s_same;
    }
    tmp = PyNumber_And(PyTuple_GET_ITEM(query, Q_PIECES), ewords);  /* 0.7 / 0.5 */
    if (!tmp || add_words(maybe, tmp, same) < 0)
        goto done;
    Py_CLEAR(tmp);
    {
        PyObject *keys = PyTuple_GET_ITEM(query, Q_KEYS);
        PyObject *parents = PyTuple_GET_ITEM(claim, E_PARENTS);
        if (!PyTuple_Check(keys) || !PyDict_Check(parents)) {
            PyErr_SetString(PyExc_TypeError, "bound: malformed keys or sub-word parents");
            goto done;
        }
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(keys); k++) {  /* parents: _sub_credit <= 0.7, else 0.4 */
            PyObject *par = PyDict_GetItemWithError(parents, PyTuple_GET_ITEM(keys, k));
            if (!par) {
                if (PyErr_Occurred())
                    goto done;
                continue;
            }
            if (add_words(maybe, par, same) < 0)
                goto done;
        }
    }
    {
        double s_maybe;
        if (weight_sum(eweights, maybe, &s_maybe) < 0)
            goto done;
        c_ub += 0.7 * s_maybe;
    }
    {
        PyObject *qbig = PyTuple_GET_ITEM(query, Q_BIGRAMS), *ebig = PyTuple_GET_ITEM(claim, E_BIGRAMS);
        PyObject *bw = PyTuple_GET_ITEM(query, Q_BIGRAM_WEIGHTS);
        if (!PyAnySet_Check(ebig) || !PyDict_Check(bw)) {
            PyErr_SetString(PyExc_TypeError, "bound: malformed bigrams");
            goto done;
        }
        PyObject *it = PyObject_GetIter(qbig), *b;
        if (!it)
            goto done;
        while ((b = PyIter_Next(it))) {
            int in = PySet_Contains(ebig, b);
            if (in > 0) {
                double v;
                if (weight_of(bw, b, &v) < 0 || PySet_Add(common, b) < 0)
                    in = -1;
                else
                    sb += v;
            }
            Py_DECREF(b);
            if (in < 0) {
                Py_DECREF(it);
                goto done;
            }
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto done;
    }
    int is_long = PyObject_IsTrue(PyTuple_GET_ITEM(claim, E_LONG));
    if (is_long < 0)
        goto done;
    if (PySet_GET_SIZE(common) && !is_long) {  /* character-pair credit: pair_credit * share of pairs in common */
        paired = PySet_New(NULL);
        if (!paired)
            goto done;
        PyObject *it = PyObject_GetIter(common), *b;
        if (!it)
            goto done;
        while ((b = PyIter_Next(it))) {
            PyObject *held_by = PyDict_GetItemWithError(pair_words, b);
            Py_DECREF(b);
            if (!held_by) {
                if (PyErr_Occurred()) {
                    Py_DECREF(it);
                    goto done;
                }
                continue;
            }
            PyObject *mine = PyNumber_And(held_by, ewords);
            if (!mine || add_words(paired, mine, same) < 0) {
                Py_XDECREF(mine);
                Py_DECREF(it);
                goto done;
            }
            Py_DECREF(mine);
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto done;
        it = PyObject_GetIter(paired);
        if (!it)
            goto done;
        PyObject *t;
        while ((t = PyIter_Next(it))) {
            int bad = 0;
            int in_maybe = PyUnicode_Check(t) ? PySet_Contains(maybe, t) : -1;
            if (in_maybe < 0) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "bound: claim words must be str");
                bad = 1;
            }
            else if (!in_maybe) {
                Py_ssize_t n = PyUnicode_GET_LENGTH(t) - 1, got = 0;
                for (Py_ssize_t i = 0; i < n && !bad; i++) {
                    PyObject *pair = PyUnicode_Substring(t, i, i + 2);
                    int in = pair ? PySet_Contains(common, pair) : -1;
                    Py_XDECREF(pair);
                    if (in < 0)
                        bad = 1;
                    got += in > 0;
                }
                if (!bad && got && n > 0) {
                    if (weight_of(eweights, t, &w) < 0)
                        bad = 1;
                    else
                        c_ub += pair_credit * (double)got / (double)n * w;
                }
                if (!bad && PySet_Add(maybe, t) < 0)
                    bad = 1;
            }
            Py_DECREF(t);
            if (bad) {
                Py_DECREF(it);
                goto done;
            }
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto done;
    }
    {
        PyObject *heard = PyTuple_GET_ITEM(query, Q_HEARD);
        if (PyObject_Length(heard) > 0) {  /* a claim word a text word sounds like: sound */
            tmp = PyNumber_And(heard, ewords);
            if (!tmp)
                goto done;
            PyObject *it = PyObject_GetIter(tmp), *t;
            if (!it)
                goto done;
            while ((t = PyIter_Next(it))) {
                int in = PySet_Contains(same, t);
                if (in == 0) {
                    if (weight_of(eweights, t, &w) < 0 || PySet_Add(maybe, t) < 0)
                        in = -1;
                    else
                        c_ub += sound * w;
                }
                Py_DECREF(t);
                if (in < 0) {
                    Py_DECREF(it);
                    goto done;
                }
            }
            Py_DECREF(it);
            if (PyErr_Occurred())
                goto done;
            Py_CLEAR(tmp);
        }
        else if (PyErr_Occurred())
            goto done;
    }
    {
        PyObject *all = PyNumber_InPlaceOr(maybe, same);  /* maybe itself, with the same words */
        if (!all)
            goto done;
        Py_DECREF(all);
    }

    double total = PyFloat_AsDouble(PyTuple_GET_ITEM(query, Q_TOTAL));
    double bigram_total = PyFloat_AsDouble(PyTuple_GET_ITEM(query, Q_BIGRAM_TOTAL));
    double word_weight = PyFloat_AsDouble(PyTuple_GET_ITEM(claim, E_WORD_WEIGHT));
    double bigram_weight = PyFloat_AsDouble(PyTuple_GET_ITEM(claim, E_BIGRAM_WEIGHT));
    Py_ssize_t n_words = PyLong_AsSsize_t(PyTuple_GET_ITEM(claim, E_N_WORDS));
    if (PyErr_Occurred())
        goto done;
    double tq = q_ub / total;
    double qs = 0.8 * tq + 0.2 * sb / bigram_total;
    double tc = c_ub / word_weight;
    double cs = 0.8 * (tc < 1.0 ? tc : 1.0) + 0.2 * sb / bigram_weight;
    double post_at = 1.5 * (double)n_words;
    if (post_at < content_words)
        post_at = content_words;
    double score;
    if ((double)n_q >= post_at)
        score = cs * (base + (1 - base) * qs);
    else {
        score = qs * (base + (1 - base) * cs);
        int specific = tq >= full_query && q_ub >= evidence && cs >= min_claim_cover * short_cover;
        if (cs < min_claim_cover && !specific)
            score *= low_cover_penalty;
        PyObject *names = PyTuple_GET_ITEM(claim, E_NAMES);
        if (!PyTuple_Check(names)) {
            PyErr_SetString(PyExc_TypeError, "bound: claim names must be a tuple");
            goto done;
        }
        int intent = PyObject_IsTrue(PyTuple_GET_ITEM(query, Q_INTENT));
        if (intent < 0)
            goto done;
        if (!intent) {
            PyObject *iw = PyTuple_GET_ITEM(query, Q_INTENT_WORDS);
            if (!PyTuple_Check(iw)) {
                PyErr_SetString(PyExc_TypeError, "bound: intent words must be a tuple");
                goto done;
            }
            for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(iw) && !intent; k++) {
                int in = PySet_Contains(ewords, PyTuple_GET_ITEM(iw, k));
                if (in < 0)
                    goto done;
                intent = !in;
            }
        }
        /* what the credited claim words can be: plain words (neither names nor numbers), names, the subject */
        int plain = 0, named = 0, first_credited = 0;
        PyObject *efirst = PyTuple_GET_ITEM(claim, E_FIRST);
        PyObject *it = PyObject_GetIter(maybe), *t;
        if (!it)
            goto done;
        while ((t = PyIter_Next(it))) {
            if (!PyUnicode_Check(t)) {
                PyErr_SetString(PyExc_TypeError, "bound: claim words must be str");
                Py_DECREF(t);
                Py_DECREF(it);
                goto done;
            }
            int is_name = PySequence_Contains(names, t);
            int cmp = PyUnicode_Check(efirst) && PyUnicode_GET_LENGTH(efirst) ? PyUnicode_Compare(t, efirst) : 1;
            if (is_name < 0 || (cmp == -1 && PyErr_Occurred())) {
                Py_DECREF(t);
                Py_DECREF(it);
                goto done;
            }
            named |= is_name;
            if (!is_name && !(PyUnicode_GET_LENGTH(t) && PyUnicode_READ_CHAR(t, 0) == '#'))
                plain = 1;
            first_credited |= cmp == 0;
            Py_DECREF(t);
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto done;
        if (intent)
            score *= intent_penalty;
        else if (!plain)
            score *= topic_penalty;
        if (PyUnicode_Check(qfirst) && PyUnicode_GET_LENGTH(qfirst) && PyUnicode_Check(efirst) &&
            PyUnicode_GET_LENGTH(efirst) && first_missing && !first_credited)
            score *= subject_penalty;
        int qnamed = PyObject_IsTrue(PyTuple_GET_ITEM(query, Q_NAMED));
        if (qnamed < 0)
            goto done;
        if (PyTuple_GET_SIZE(names) && !qnamed && !named)
            score *= name_penalty;
    }
    score += 0.05 * (n_auto < 2 ? n_auto : 2);
    if (n_shared < 2 && !(top_weight >= rare_weight && tq >= 0.8))
        score *= 0.5;
    result = PyFloat_FromDouble(score < 1.0 ? score : 1.0);
done:
    Py_XDECREF(same);
    Py_XDECREF(maybe);
    Py_XDECREF(common);
    Py_XDECREF(tmp);
    Py_XDECREF(paired);
    return result;
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

/* entry i of a posting (-1 with an exception set on a bad item) */
static inline long
posting_at(const Posting *p, Py_ssize_t i)
{
    if (!p->list)
        return ((const int *)p->view.buf)[i];
    return PyLong_AsLong(PyList_GET_ITEM(p->list, i));
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
            double w = PyFloat_AsDouble(PyTuple_GET_ITEM(kw, 1));
            if (w == -1.0 && PyErr_Occurred()) {
                Py_DECREF(hit_list);
                return NULL;
            }
            *(part ? &rest_sounds : &rest) += w;
            total += post.n;
        }
    }
    rest += rest_sounds;  /* the weight of the postings left (the twin's order of sums) */
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
            double w = PyFloat_AsDouble(PyTuple_GET_ITEM(kw, 1));
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
        long id = PyLong_AsLong(PyList_GET_ITEM(hit_list, i));
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
