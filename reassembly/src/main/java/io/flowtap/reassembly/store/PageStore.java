package io.flowtap.reassembly.store;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Stream bytes that must wait (out of order, not yet acknowledged, or not consumed by a handler), kept off-heap in
 * fixed-size pages of one pre-allocated slab. A stream owns a chain of pages, sorted by page number (stream offset
 * divided by the page size), and addresses its bytes by absolute stream offset: writing a range allocates the pages
 * it touches, and a later write over the same offsets replaces the bytes (how an overlap policy's choice is applied).
 * <p>
 * A chain is an {@code int} head the caller keeps (one per stream); every method that may change it returns the new
 * head. {@link #NONE} is the empty chain. Pages are found by walking the chain, which is short: a stream holds only
 * the bytes between its delivery point and its furthest out-of-order segment.
 * <p>
 * Not thread safe: one store belongs to one engine, on one thread.
 */
public final class PageStore
{
    /** The empty chain, and the end of every chain. */
    public static final int NONE = -1;

    private final int pageSize;
    private final int pageShift;
    private final int pageCount;
    private final UnsafeBuffer slab;
    private final long[] pageNumbers;
    private final int[] next;
    private int freeHead;
    private int freePages;

    /**
     * @param pageSize  bytes per page, a power of two.
     * @param pageCount pages in the slab; {@code pageSize * pageCount} is the engine's memcap for waiting bytes.
     */
    public PageStore(final int pageSize, final int pageCount)
    {
        if (!BitUtil.isPowerOfTwo(pageSize) || pageSize < 64)
        {
            throw new IllegalArgumentException("page size must be a power of two of at least 64: " + pageSize);
        }
        if (pageCount < 1 || (long)pageSize * pageCount > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException(
                "the page store must hold 1 to " + (Integer.MAX_VALUE / pageSize) + " pages of " + pageSize +
                " bytes: " + pageCount);
        }
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.pageCount = pageCount;
        this.slab = new UnsafeBuffer(BufferUtil.allocateDirectAligned(pageSize * pageCount, 64));
        this.pageNumbers = new long[pageCount];
        this.next = new int[pageCount];
        for (int i = 0; i < pageCount; i++)
        {
            next[i] = i + 1 < pageCount ? i + 1 : NONE;
        }
        freeHead = 0;
        freePages = pageCount;
    }

    /**
     * @return bytes per page.
     */
    public int pageSize()
    {
        return pageSize;
    }

    /**
     * @return pages in the slab.
     */
    public int pageCount()
    {
        return pageCount;
    }

    /**
     * @return pages not held by any stream.
     */
    public int freePages()
    {
        return freePages;
    }

    /**
     * @param head  of a chain.
     * @param start stream offset, inclusive.
     * @param end   stream offset, exclusive.
     * @return how many pages a write of {@code [start, end)} would have to allocate.
     */
    public int pagesMissing(final int head, final long start, final long end)
    {
        if (end <= start)
        {
            return 0;
        }
        final long first = start >>> pageShift;
        final long last = (end - 1) >>> pageShift;
        long present = 0;
        for (int page = head; page != NONE; page = next[page])
        {
            final long number = pageNumbers[page];
            if (number > last)
            {
                break;
            }
            if (number >= first)
            {
                present++;
            }
        }
        return (int)(last - first + 1 - present);
    }

    /**
     * Pages of {@code [start, end)} a chain lacks, in O(1) when the range starts at or after the chain's last page
     * (the append case), else by walking the chain.
     *
     * @param head  first page of the chain, or {@link #NONE}.
     * @param tail  last page of the chain, or {@link #NONE}.
     * @param start stream offset of the range.
     * @param end   stream offset after the range.
     * @return pages missing.
     */
    public int pagesMissing(final int head, final int tail, final long start, final long end)
    {
        if (end <= start)
        {
            return 0;
        }
        final long first = start >>> pageShift;
        if (tail == NONE || pageNumbers[tail] < first)
        {
            return (int)(((end - 1) >>> pageShift) - first + 1);
        }
        if (pageNumbers[tail] == first)
        {
            return (int)(((end - 1) >>> pageShift) - first);
        }
        return pagesMissing(head, start, end);
    }

    /**
     * @param tail  last page of a chain, or {@link #NONE}.
     * @param start a stream offset.
     * @return whether bytes from {@code start} on can be appended to the chain: nothing held is past its page.
     */
    public boolean isAppendable(final int tail, final long start)
    {
        return tail == NONE || pageNumbers[tail] <= start >>> pageShift;
    }

    /**
     * Write bytes after everything a non-empty chain holds ({@link #isAppendable}), in O(pages written): into its
     * last page where they start there, then into new pages linked after it.
     *
     * @param tail      last page of the chain.
     * @param start     stream offset of the first byte.
     * @param src       holding the bytes.
     * @param srcOffset of the first byte in {@code src}.
     * @param length    bytes to write.
     * @return the chain's new last page.
     * @throws IllegalStateException when the store is exhausted (check {@link #pagesMissing} first).
     */
    public int append(final int tail, final long start, final DirectBuffer src, final int srcOffset, final int length)
    {
        int last = tail;
        int done = 0;
        while (done < length)
        {
            final long offset = start + done;
            final long number = offset >>> pageShift;
            if (pageNumbers[last] != number)
            {
                final int fresh = allocate(number);
                next[fresh] = NONE;
                next[last] = fresh;
                last = fresh;
            }
            final int inPage = (int)(offset & (pageSize - 1));
            final int piece = Math.min(length - done, pageSize - inPage);
            slab.putBytes((last << pageShift) + inPage, src, srcOffset + done, piece);
            done += piece;
        }
        return last;
    }

    /**
     * @param from a page of a chain, or {@link #NONE}.
     * @return the chain's last page from there on, or {@link #NONE}.
     */
    public int tailFrom(final int from)
    {
        int page = from;
        if (page == NONE)
        {
            return NONE;
        }
        while (next[page] != NONE)
        {
            page = next[page];
        }
        return page;
    }

    /**
     * @param head of a chain.
     * @return pages in the chain.
     */
    public int chainLength(final int head)
    {
        int length = 0;
        for (int page = head; page != NONE; page = next[page])
        {
            length++;
        }
        return length;
    }

    /**
     * Write bytes at a stream offset, allocating the pages the range touches. The caller checks
     * {@link #pagesMissing} against {@link #freePages} (and its own memcap) first.
     *
     * @param head   of the stream's chain.
     * @param start  stream offset of the first byte.
     * @param src    holding the bytes.
     * @param srcOffset of the first byte in {@code src}.
     * @param length bytes to write.
     * @return the chain's new head.
     * @throws IllegalStateException when the store runs out of pages (a caller that did not check).
     */
    public int write(final int head, final long start, final DirectBuffer src, final int srcOffset, final int length)
    {
        int newHead = head;
        int done = 0;
        int previous = NONE;
        int page = head;
        while (done < length)
        {
            final long offset = start + done;
            final long number = offset >>> pageShift;
            // Chains are sorted, and successive pieces of one write go forward, so the walk resumes where it left off.
            while (page != NONE && pageNumbers[page] < number)
            {
                previous = page;
                page = next[page];
            }
            if (page == NONE || pageNumbers[page] != number)
            {
                final int fresh = allocate(number);
                next[fresh] = page;
                if (previous == NONE)
                {
                    newHead = fresh;
                }
                else
                {
                    next[previous] = fresh;
                }
                page = fresh;
            }
            final int inPage = (int)(offset & (pageSize - 1));
            final int piece = Math.min(length - done, pageSize - inPage);
            slab.putBytes((page << pageShift) + inPage, src, srcOffset + done, piece);
            done += piece;
        }
        return newHead;
    }

    /**
     * Copy bytes held at stream offsets out of the store.
     *
     * @param head   of the stream's chain.
     * @param start  stream offset of the first byte; every page of the range must be held.
     * @param dst    to copy into.
     * @param dstOffset where the first byte goes.
     * @param length bytes to copy.
     */
    public void read(final int head, final long start, final UnsafeBuffer dst, final int dstOffset, final int length)
    {
        int done = 0;
        int page = head;
        while (done < length)
        {
            final long offset = start + done;
            final long number = offset >>> pageShift;
            while (page != NONE && pageNumbers[page] < number)
            {
                page = next[page];
            }
            if (page == NONE || pageNumbers[page] != number)
            {
                throw new IllegalStateException("no page holds stream offset " + offset);
            }
            final int inPage = (int)(offset & (pageSize - 1));
            final int piece = Math.min(length - done, pageSize - inPage);
            dst.putBytes(dstOffset + done, slab, (page << pageShift) + inPage, piece);
            done += piece;
        }
    }

    /**
     * @param head  of the stream's chain.
     * @param offset a stream offset whose page is held.
     * @return the byte there.
     */
    public byte byteAt(final int head, final long offset)
    {
        final long number = offset >>> pageShift;
        for (int page = head; page != NONE; page = next[page])
        {
            if (pageNumbers[page] == number)
            {
                return slab.getByte((page << pageShift) + (int)(offset & (pageSize - 1)));
            }
        }
        throw new IllegalStateException("no page holds stream offset " + offset);
    }

    /**
     * Compare held bytes with a buffer.
     *
     * @param head   of the stream's chain.
     * @param start  stream offset of the first byte to compare; every page of the range must be held.
     * @param other  buffer with the other version.
     * @param otherOffset of the first byte in {@code other}.
     * @param length bytes to compare.
     * @return whether all are equal.
     */
    public boolean equalTo(
        final int head, final long start, final DirectBuffer other, final int otherOffset, final int length)
    {
        int done = 0;
        int page = head;
        while (done < length)
        {
            final long offset = start + done;
            final long number = offset >>> pageShift;
            while (page != NONE && pageNumbers[page] < number)
            {
                page = next[page];
            }
            if (page == NONE || pageNumbers[page] != number)
            {
                throw new IllegalStateException("no page holds stream offset " + offset);
            }
            final int inPage = (int)(offset & (pageSize - 1));
            final int piece = Math.min(length - done, pageSize - inPage);
            final int base = (page << pageShift) + inPage;
            int i = 0;
            for (; i + 8 <= piece; i += 8)
            {
                if (slab.getLong(base + i) != other.getLong(otherOffset + done + i))
                {
                    return false;
                }
            }
            for (; i < piece; i++)
            {
                if (slab.getByte(base + i) != other.getByte(otherOffset + done + i))
                {
                    return false;
                }
            }
            done += piece;
        }
        return true;
    }

    /**
     * Hand the pages wholly below a stream offset back to the store.
     *
     * @param head  of the stream's chain.
     * @param below stream offset: pages that end at or before it are released.
     * @return the chain's new head.
     */
    public int releaseBelow(final int head, final long below)
    {
        int page = head;
        while (page != NONE && ((pageNumbers[page] + 1) << pageShift) <= below)
        {
            final int following = next[page];
            free(page);
            page = following;
        }
        return page;
    }

    /**
     * Hand every page of a chain back.
     *
     * @param head of the chain.
     * @return {@link #NONE}.
     */
    public int releaseAll(final int head)
    {
        int page = head;
        while (page != NONE)
        {
            final int following = next[page];
            free(page);
            page = following;
        }
        return NONE;
    }

    /**
     * @return the slab, for delivering a range that lies within one page without copying it.
     */
    public DirectBuffer slab()
    {
        return slab;
    }

    /**
     * @param head   of the stream's chain.
     * @param start  stream offset of a range held within one page.
     * @return the range's offset in {@link #slab()}.
     */
    public int slabOffset(final int head, final long start)
    {
        final long number = start >>> pageShift;
        for (int page = head; page != NONE; page = next[page])
        {
            if (pageNumbers[page] == number)
            {
                return (page << pageShift) + (int)(start & (pageSize - 1));
            }
        }
        throw new IllegalStateException("no page holds stream offset " + start);
    }

    /**
     * @param start  stream offset.
     * @param length bytes.
     * @return whether {@code [start, start + length)} lies within one page.
     */
    public boolean withinOnePage(final long start, final int length)
    {
        return length > 0 && (start >>> pageShift) == ((start + length - 1) >>> pageShift);
    }

    private int allocate(final long number)
    {
        if (freeHead == NONE)
        {
            throw new IllegalStateException("page store exhausted: " + pageCount + " pages of " + pageSize);
        }
        final int page = freeHead;
        freeHead = next[page];
        freePages--;
        pageNumbers[page] = number;
        return page;
    }

    private void free(final int page)
    {
        next[page] = freeHead;
        freeHead = page;
        freePages++;
    }
}
