package io.flowtap.tools.journal;

import io.flowtap.kafka.TopicReader;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.journal.JournalVisitor;
import io.flowtap.tools.ExitCodes;

import java.io.PrintWriter;
import java.util.List;

/**
 * Where a journal tool reads events from: a journal's directory, or a Kafka topic that sensors ship to. The tools read
 * both through this one face, so that a topic is read exactly as a directory is.
 */
interface JournalSource extends AutoCloseable
{
    /**
     * @param visitor to call.
     * @param limit   most events to read.
     * @return events read: 0 at the end, or when nothing new has come (following).
     */
    int poll(JournalVisitor visitor, int limit);

    /**
     * @param visitor to call with everything to the end.
     */
    default void readAll(final JournalVisitor visitor)
    {
        while (poll(visitor, 4096) > 0)
        {
            // The visitor does the work.
        }
    }

    /**
     * @return the sensor whose events are being delivered (valid in a visitor's call): empty for a directory.
     */
    String sensor();

    /**
     * @param err     for what could not be read.
     * @param prefix  of each line.
     * @param printed lines already printed while following.
     * @return the exit code: success, or input error when anything could not be read.
     */
    int finish(PrintWriter err, String prefix, int printed);

    /**
     * @return the lines of what could not be read so far (damage, records that are not flowtap's).
     */
    List<String> problems();

    @Override
    void close();

    /**
     * @param reader of a directory.
     * @return it as a source.
     */
    static JournalSource of(final JournalReader reader)
    {
        return new JournalSource()
        {
            @Override
            public int poll(final JournalVisitor visitor, final int limit)
            {
                return reader.poll(visitor, limit);
            }

            @Override
            public void readAll(final JournalVisitor visitor)
            {
                reader.readAll(visitor);
            }

            @Override
            public String sensor()
            {
                return "";
            }

            @Override
            public int finish(final PrintWriter err, final String prefix, final int printed)
            {
                return JournalInput.finish(reader, err, prefix, printed);
            }

            @Override
            public List<String> problems()
            {
                return reader.damages().stream().map(damage -> damage.message()).toList();
            }

            @Override
            public void close()
            {
                reader.close();
            }
        };
    }

    /**
     * @param reader of a topic.
     * @return it as a source.
     */
    static JournalSource of(final TopicReader reader)
    {
        return new JournalSource()
        {
            @Override
            public int poll(final JournalVisitor visitor, final int limit)
            {
                return reader.poll(visitor, limit);
            }

            @Override
            public String sensor()
            {
                return reader.sensor();
            }

            @Override
            public int finish(final PrintWriter err, final String prefix, final int printed)
            {
                // Closing commits a group's offsets, which may add a problem of its own.
                reader.close();
                final List<String> problems = reader.problems();
                for (int i = printed; i < problems.size(); i++)
                {
                    err.println(prefix + problems.get(i));
                }
                if (reader.repeats() > 0)
                {
                    err.println(prefix + reader.repeats() + " records shipped twice (sent again after a lost " +
                        "acknowledgement) were read once");
                }
                err.flush();
                return problems.isEmpty() ? ExitCodes.OK : ExitCodes.INPUT_ERROR;
            }

            @Override
            public List<String> problems()
            {
                return reader.problems();
            }

            @Override
            public void close()
            {
                reader.close();
            }
        };
    }
}
