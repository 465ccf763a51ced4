package io.flowtap.tools.journal;

import io.flowtap.kafka.TopicReader;
import io.flowtap.pipeline.journal.JournalDamage;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.tools.ExitCodes;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * Opening a journal for a tool, and ending its run: a journal that cannot be read is one line and exit code 1;
 * damage is read past (the reader resynchronises on the next good excerpt), one line per damaged range says where
 * and how many bytes were skipped, and the exit code is 1.
 */
final class JournalInput
{
    private JournalInput()
    {
    }

    /**
     * A journal or topic that cannot be read throws {@link io.flowtap.pipeline.journal.JournalException}, which the
     * command line says in one line with exit code 1, as it does for one found unreadable part way through.
     *
     * @param directory of the journal, or null when a topic is read.
     * @param kafka     the topic to read instead, if {@link KafkaInput#isTopic()}.
     * @param follow    whether a topic is read on as records arrive.
     * @return the source.
     */
    static JournalSource open(final Path directory, final KafkaInput kafka, final boolean follow)
    {
        return kafka.isTopic() ?
            JournalSource.of(TopicReader.open(kafka.bootstrapServers, kafka.topic, kafka.sensor, kafka.group, follow)) :
            JournalSource.of(JournalReader.open(directory));
    }

    /**
     * @param reader done reading.
     * @param err    for the damage, if any.
     * @param prefix of the line.
     * @return the exit code: success, or input error when the journal's tail is damaged.
     */
    static int finish(final JournalReader reader, final PrintWriter err, final String prefix)
    {
        return finish(reader, err, prefix, 0);
    }

    /**
     * @param reader  done reading.
     * @param err     for the damage, if any.
     * @param prefix  of the line.
     * @param printed damages already printed (a tool that follows prints them as they come).
     * @return the exit code: success, or input error when any of the journal was damaged.
     */
    static int finish(final JournalReader reader, final PrintWriter err, final String prefix, final int printed)
    {
        final List<JournalDamage> damages = reader.damages();
        for (int i = printed; i < damages.size(); i++)
        {
            err.println(prefix + damages.get(i).message());
        }
        err.flush();
        return damages.isEmpty() ? ExitCodes.OK : ExitCodes.INPUT_ERROR;
    }
}
