package io.flowtap.tools.journal;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options that make a journal tool read a Kafka topic, that sensors ship to ({@code flowtap ship}), instead of a
 * directory: {@code --kafka HOST:PORT --topic T [--sensor NAME] [--group G]}.
 */
public final class KafkaInput
{
    @Option(names = "--kafka", paramLabel = "HOST:PORT[,...]",
        description = "read the journal events that sensors shipped to a Kafka topic (--topic), instead of DIR")
    String bootstrapServers;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "with --kafka: the topic")
    String topic;

    @Option(names = "--sensor", paramLabel = "NAME", description = "with --kafka: only this sensor's events")
    String sensor;

    @Option(names = "--group", paramLabel = "GROUP",
        description = "with --kafka: start where this consumer group last stopped, and commit where this run stops "
            + "(default: read the whole topic, commit nothing)")
    String group;

    /**
     * @return whether a topic is to be read.
     */
    boolean isTopic()
    {
        return bootstrapServers != null;
    }

    /**
     * Check that exactly one of a directory and a topic is given.
     *
     * @param commandLine for the error.
     * @param directory   given, or null.
     */
    void conclude(final CommandLine commandLine, final Object directory)
    {
        if (bootstrapServers == null)
        {
            if (directory == null)
            {
                throw new CommandLine.ParameterException(commandLine, "give a journal's DIR, or --kafka and --topic");
            }
            if (topic != null || sensor != null || group != null)
            {
                throw new CommandLine.ParameterException(commandLine,
                    "--topic, --sensor and --group go with --kafka");
            }
            return;
        }
        if (directory != null)
        {
            throw new CommandLine.ParameterException(commandLine, "give a journal's DIR or --kafka, not both");
        }
        if (topic == null)
        {
            throw new CommandLine.ParameterException(commandLine, "--kafka needs --topic");
        }
    }
}
