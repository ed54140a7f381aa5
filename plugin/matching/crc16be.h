/* CRC-32 (zlib's polynomial) of code points written as UTF-16-BE (surrogatepass): the hashes the matcher's
 * reading rows and prefixes are keyed by (plugin.matching.polyphony.key_hash computes the same in Python).
 * Shared by cloops.c (scan) and cbuild.c (compile); call init_crc_table() once at module init. */
#ifndef QINGLANG_CRC16BE_H
#define QINGLANG_CRC16BE_H

#include <Python.h>
#include <stdint.h>

static uint32_t crc_table[256];

static inline void
init_crc_table(void)
{
    uint32_t i, k;
    for (i = 0; i < 256; i++) {
        uint32_t c = i;
        for (k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static inline uint32_t
crc_byte(uint32_t crc, uint8_t b)
{
    return crc_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
}

/* The running (not yet finalised) crc after one more code point, as UTF-16-BE (surrogatepass). */
static inline uint32_t
crc_code_point(uint32_t crc, Py_UCS4 c)
{
    if (c >= 0x10000) {
        Py_UCS4 v = c - 0x10000, hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);
        crc = crc_byte(crc, (uint8_t)(hi >> 8));
        crc = crc_byte(crc, (uint8_t)(hi & 0xFF));
        crc = crc_byte(crc, (uint8_t)(lo >> 8));
        return crc_byte(crc, (uint8_t)(lo & 0xFF));
    }
    crc = crc_byte(crc, (uint8_t)(c >> 8));
    return crc_byte(crc, (uint8_t)(c & 0xFF));
}

/* zlib.crc32 of the UTF-16-BE bytes of code points ``cps[0:n]`` (surrogatepass). */
static inline uint32_t
crc_utf16be(const Py_UCS4 *cps, Py_ssize_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        crc = crc_code_point(crc, cps[i]);
    return crc ^ 0xFFFFFFFFu;
}

#endif
