package io.flowtap.capture.codec;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * Where an {@link IpDefragmenter} keeps fragments' bytes: a pool of pages of {@link IpDefragmenter#PAGE_LENGTH}
 * bytes off the heap, and per datagram a page table from datagram offset to page. The limits are memory limits: a
 * datagram holds at most its memcap's pages, and the pool is the global memcap; when the pool is empty the
 * reassembler is asked to give up older datagrams for room ({@link IpDefragmenter#makeRoom}).
 * <p>
 * Memory is taken on {@link #allocate()}, once. Not thread safe: owned by its reassembler.
 */
final class FragmentPages
{
    /** Page length as a shift. */
    static final int PAGE_SHIFT = 11;
    /** Most bytes of data in a datagram. */
    static final int MAX_DATA = 65_535;
    /** Page table entries per datagram, enough for the largest. */
    static final int PAGES_PER_DATAGRAM = (MAX_DATA + IpDefragmenter.PAGE_LENGTH - 1) >> PAGE_SHIFT;

    private static final int PAGE_LENGTH = IpDefragmenter.PAGE_LENGTH;
    private static final int NONE = -1;

    private final IpDefragmenter owner;
    private final int maxDatagrams;
    private final int datagramPages;
    private final int poolPages;
    private int[] pageTable;
    private int[] pagesHeld;
    private UnsafeBuffer pages;
    private int[] freePages;
    private int freePageCount;

    /**
     * @param owner              asked for room when the pool is empty.
     * @param maxDatagrams       datagrams at once.
     * @param datagramMemcapBytes bytes one datagram may hold.
     * @param memcapBytes        bytes all datagrams may hold.
     */
    FragmentPages(
        final IpDefragmenter owner, final int maxDatagrams, final int datagramMemcapBytes, final long memcapBytes)
    {
        this.owner = owner;
        this.maxDatagrams = maxDatagrams;
        this.datagramPages = (datagramMemcapBytes + PAGE_LENGTH - 1) >> PAGE_SHIFT;
        this.poolPages = poolPages(memcapBytes);
    }

    /**
     * @param memcapBytes bytes all datagrams may hold.
     * @return pages in the pool.
     */
    static int poolPages(final long memcapBytes)
    {
        return (int)Math.max(1, Math.min(Integer.MAX_VALUE >> PAGE_SHIFT, memcapBytes >> PAGE_SHIFT));
    }

    void allocate()
    {
        pageTable = new int[maxDatagrams * PAGES_PER_DATAGRAM];
        Arrays.fill(pageTable, NONE);
        pagesHeld = new int[maxDatagrams];
        pages = new UnsafeBuffer(BufferUtil.allocateDirectAligned(poolPages * PAGE_LENGTH, 64));
        freePages = new int[poolPages];
        for (int i = 0; i < poolPages; i++)
        {
            freePages[i] = poolPages - 1 - i;
        }
        freePageCount = poolPages;
    }

    /**
     * Copy bytes into a datagram at a datagram offset, taking pages as needed.
     *
     * @return false when a page was needed and the datagram's memcap, or the pool even after giving up older
     * datagrams, has none.
     */
    boolean write(
        final int tracker, final int datagramOffset, final DirectBuffer buffer, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int position = datagramOffset + done;
            final int pageIndex = position >> PAGE_SHIFT;
            final int within = position & (PAGE_LENGTH - 1);
            final int chunk = Math.min(length - done, PAGE_LENGTH - within);
            final int entry = tracker * PAGES_PER_DATAGRAM + pageIndex;
            int page = pageTable[entry];
            if (page == NONE)
            {
                if (pagesHeld[tracker] == datagramPages || (freePageCount == 0 && !owner.makeRoom(tracker)))
                {
                    return false;
                }
                page = freePages[--freePageCount];
                pageTable[entry] = page;
                pagesHeld[tracker]++;
            }
            pages.putBytes(page * PAGE_LENGTH + within, buffer, offset + done, chunk);
            done += chunk;
        }
        return true;
    }

    /**
     * @return whether the datagram's bytes at {@code datagramOffset} (held already) equal the buffer's.
     */
    boolean equal(
        final int tracker, final int datagramOffset, final DirectBuffer buffer, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int position = datagramOffset + done;
            final int within = position & (PAGE_LENGTH - 1);
            final int chunk = Math.min(length - done, PAGE_LENGTH - within);
            final int page = pageTable[tracker * PAGES_PER_DATAGRAM + (position >> PAGE_SHIFT)];
            final int pageOffset = page * PAGE_LENGTH + within;
            for (int i = 0; i < chunk; i++)
            {
                if (pages.getByte(pageOffset + i) != buffer.getByte(offset + done + i))
                {
                    return false;
                }
            }
            done += chunk;
        }
        return true;
    }

    /**
     * Copy a whole datagram's bytes out.
     *
     * @param tracker the datagram.
     * @param out     to copy into.
     * @param at      offset in {@code out}.
     * @param total   the datagram's length, every byte held.
     */
    void copyOut(final int tracker, final MutableDirectBuffer out, final int at, final int total)
    {
        final int pageBase = tracker * PAGES_PER_DATAGRAM;
        for (int position = 0; position < total; position += PAGE_LENGTH)
        {
            final int page = pageTable[pageBase + (position >> PAGE_SHIFT)];
            out.putBytes(at + position, pages, page * PAGE_LENGTH, Math.min(PAGE_LENGTH, total - position));
        }
    }

    /**
     * Give a datagram's pages back to the pool.
     */
    void release(final int tracker)
    {
        final int pageBase = tracker * PAGES_PER_DATAGRAM;
        for (int p = 0; p < PAGES_PER_DATAGRAM; p++)
        {
            final int page = pageTable[pageBase + p];
            if (page != NONE)
            {
                freePages[freePageCount++] = page;
                pageTable[pageBase + p] = NONE;
            }
        }
        pagesHeld[tracker] = 0;
    }

    /**
     * @return whether a page is free.
     */
    boolean hasFreePage()
    {
        return freePageCount > 0;
    }
}
