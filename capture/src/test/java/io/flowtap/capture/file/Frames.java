package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helpers that drain a capture file into {@link SeenFrame}s.
 */
final class Frames
{
    private Frames()
    {
    }

    static List<SeenFrame> readAll(final Path path)
    {
        return readAll(path, MappedFileWindow.DEFAULT_WINDOW_LENGTH);
    }

    static List<SeenFrame> readAll(final Path path, final int windowLength)
    {
        try (CaptureFileSource source = CaptureFiles.open(path, windowLength))
        {
            return drain(source, 7);
        }
    }

    static List<SeenFrame> drain(final CaptureFileSource source, final int frameLimit)
    {
        final List<SeenFrame> frames = new ArrayList<>();
        while (!source.isEndOfStream())
        {
            source.poll((frame) -> frames.add(SeenFrame.of(frame)), frameLimit);
        }
        return frames;
    }

    /**
     * Read until the source throws, collecting the frames delivered before.
     */
    static CaptureFileException drainUntilDamage(final CaptureFileSource source, final List<SeenFrame> frames)
    {
        while (!source.isEndOfStream())
        {
            try
            {
                source.poll((frame) -> frames.add(SeenFrame.of(frame)), 3);
            }
            catch (final CaptureFileException ex)
            {
                return ex;
            }
        }
        throw new AssertionError("no damage reported; frames: " + frames);
    }
}
